// Softmax over the last axis in three gpu.js passes: one thread per row finds its max, one
// thread per row sums exp(x − max), then one thread per element writes exp(x − max) / sum.
// Max and sum stay separate on purpose: folding them into a log-sum-exp loses the sum when the
// max is large (−1e9 + log 2 rounds to −1e9 in float32, so a fully masked row would get weights
// of 1 instead of 1/n). The cpu backend's Softmax would run five CPU kernels instead.
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { fitsGpu, lit } from '../indexing.js';
import type { GpuKernelHost } from './host.js';

function maxSource(R: number): string {
  return [
    'function (x) {',
    `const base = this.thread.x * ${lit(R)};`,
    'let m = x[base];',
    `for (let k = 1; k < ${R}; k++) {`,
    'm = Math.max(m, x[base + k]);',
    '}',
    'return m;',
    '}',
  ].join('\n');
}

function sumExpSource(R: number): string {
  return [
    'function (x, m) {',
    `const base = this.thread.x * ${lit(R)};`,
    'const top = m[this.thread.x];',
    'let s = 0.0;',
    `for (let k = 0; k < ${R}; k++) {`,
    's += Math.exp(x[base + k] - top);',
    '}',
    'return s;',
    '}',
  ].join('\n');
}

function expSource(R: number): string {
  return [
    'function (x, m, s) {',
    'const flat = this.thread.x;',
    `const row = Math.floor((flat + 0.5) / ${lit(R)});`,
    'return Math.exp(x[flat] - m[row]) / s[row];',
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
    const max = host.makeTensorInfo([rows], 'float32', host.runGpu(`SoftmaxMax|${rows}|${R}`, () => ({ source: maxSource(R), size: rows }), [logits]));
    try {
      const sum = host.makeTensorInfo([rows], 'float32', host.runGpu(`SoftmaxSum|${rows}|${R}`, () => ({ source: sumExpSource(R), size: rows }), [logits, max]));
      try {
        const values = host.runGpu(`SoftmaxExp|${rows}|${R}`, () => ({ source: expSource(R), size }), [logits, max, sum]);
        return host.makeTensorInfo(logits.shape, 'float32', values);
      } finally {
        host.disposeIntermediateTensorInfo(sum);
      }
    } finally {
      host.disposeIntermediateTensorInfo(max);
    }
  };
}
