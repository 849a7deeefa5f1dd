// Softmax over the last axis in two gpu.js passes: one thread per row finds its max and
// log-sum-exp (max first, so exp never overflows), then one thread per element writes
// exp(x − lse). The cpu backend's Softmax would run five CPU kernels instead.
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { fitsGpu, lit } from '../indexing.js';
import type { GpuKernelHost } from './host.js';

function lseSource(R: number): string {
  return [
    'function (x) {',
    `const base = this.thread.x * ${lit(R)};`,
    'let m = x[base];',
    `for (let k = 1; k < ${R}; k++) {`,
    'm = Math.max(m, x[base + k]);',
    '}',
    'let s = 0.0;',
    `for (let k = 0; k < ${R}; k++) {`,
    's += Math.exp(x[base + k] - m);',
    '}',
    'return m + Math.log(s);',
    '}',
  ].join('\n');
}

function expSource(R: number): string {
  return [
    'function (x, lse) {',
    'const flat = this.thread.x;',
    `const row = Math.floor((flat + 0.5) / ${lit(R)});`,
    'return Math.exp(x[flat] - lse[row]);',
    '}',
  ].join('\n');
}

/** Softmax (tfjs kernel `Softmax`, attr `dim`: only the last axis, as on cpu). */
export function softmaxKernel(cpu: KernelFunc): KernelFunc {
  return (args) => {
    const logits = args.inputs.logits as TensorInfo;
    const host = args.backend as GpuKernelHost;
    const size = tf.util.sizeFromShape(logits.shape);
    const rank = logits.shape.length;
    const dim = (args.attrs as { dim: number }).dim;
    // Anything unusual gets the cpu kernel, which also produces its error messages.
    if (logits.dtype !== 'float32' || rank === 0 || (dim !== -1 && dim !== rank - 1) || !fitsGpu(size, [logits])) {
      return cpu(args) as TensorInfo;
    }
    const R = logits.shape[rank - 1];
    const rows = size / R;
    const lse = host.runGpu(`SoftmaxLse|${rows}|${R}`, () => ({ source: lseSource(R), size: rows }), [logits]);
    const lseInfo = host.makeTensorInfo([rows], 'float32', lse);
    try {
      const values = host.runGpu(`SoftmaxExp|${rows}|${R}`, () => ({ source: expSource(R), size }), [logits, lseInfo]);
      return host.makeTensorInfo(logits.shape, 'float32', values);
    } finally {
      host.disposeIntermediateTensorInfo(lseInfo);
    }
  };
}
