// Elementwise kernels: unary maths and broadcasting binary ops, float32 only (other dtypes go to
// the CPU kernel, which tfjs' ops would have given them anyway on a CPU backend).
import * as tf from '@tensorflow/tfjs-core';
import { backend_util, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { broadcastIndices, fitsGpu } from '../indexing.js';
import type { GpuKernelHost } from './host.js';

/** gpu.js expressions of one float `v`, by tfjs kernel name. */
export const UNARY_OPS: Readonly<Record<string, (v: string) => string>> = {
  Abs: (v) => `Math.abs(${v})`,
  Neg: (v) => `-${v}`,
  Exp: (v) => `Math.exp(${v})`,
  Log: (v) => `Math.log(${v})`,
  Sqrt: (v) => `Math.sqrt(${v})`,
  Rsqrt: (v) => `1.0 / Math.sqrt(${v})`,
  Square: (v) => `${v} * ${v}`,
  Reciprocal: (v) => `1.0 / ${v}`,
  Sigmoid: (v) => `1.0 / (1.0 + Math.exp(-${v}))`,
  Tanh: (v) => `Math.tanh(${v})`,
  Relu: (v) => `Math.max(${v}, 0.0)`,
  Sin: (v) => `Math.sin(${v})`,
  Cos: (v) => `Math.cos(${v})`,
};

/** gpu.js expressions of two floats, by tfjs kernel name. */
export const BINARY_OPS: Readonly<Record<string, (a: string, b: string) => string>> = {
  Add: (a, b) => `${a} + ${b}`,
  Sub: (a, b) => `${a} - ${b}`,
  Multiply: (a, b) => `${a} * ${b}`,
  RealDiv: (a, b) => `${a} / ${b}`,
  Maximum: (a, b) => `Math.max(${a}, ${b})`,
  Minimum: (a, b) => `Math.min(${a}, ${b})`,
  SquaredDifference: (a, b) => `(${a} - ${b}) * (${a} - ${b})`,
};

/** The kernel function for unary op `name`; `cpu` runs whatever the GPU path does not take. */
export function unaryKernel(name: string, cpu: KernelFunc): KernelFunc {
  const expr = UNARY_OPS[name];
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    const size = tf.util.sizeFromShape(x.shape);
    const host = args.backend as GpuKernelHost;
    if (x.dtype !== 'float32' || !fitsGpu(size, [x])) return cpu(args) as TensorInfo;
    const values = host.runGpu(`${name}|${size}`, () => ({
      source: `function (x) {\nconst v = x[this.thread.x];\nreturn ${expr('v')};\n}`,
      size,
    }), [x]);
    return host.makeTensorInfo(x.shape, 'float32', values);
  };
}

/** The kernel function for binary op `name`, with numpy broadcasting. */
export function binaryKernel(name: string, cpu: KernelFunc): KernelFunc {
  const expr = BINARY_OPS[name];
  return (args) => {
    const a = args.inputs.a as TensorInfo;
    const b = args.inputs.b as TensorInfo;
    const host = args.backend as GpuKernelHost;
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return cpu(args) as TensorInfo;
    const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const size = tf.util.sizeFromShape(outShape);
    if (!fitsGpu(size, [a, b])) return cpu(args) as TensorInfo;
    const key = `${name}|${a.shape.join(',')}|${b.shape.join(',')}`;
    const values = host.runGpu(key, () => ({
      source: `function (a, b) {\nconst flat = this.thread.x;\n${broadcastIndices('flat', outShape, [a.shape, b.shape])}\nreturn ${expr('a[idx0]', 'b[idx1]')};\n}`,
      size,
    }), [a, b]);
    return host.makeTensorInfo(outShape, 'float32', values);
  };
}

/** Most tensors AddN sums on the GPU in one kernel; longer lists go to the cpu kernel. */
const MAX_ADDN = 8;

/** AddN (the sum of same-shape tensors; gradients of a reused tensor accumulate through it). */
export function addNKernel(cpu: KernelFunc): KernelFunc {
  return (args) => {
    const xs = args.inputs as unknown as TensorInfo[];
    const host = args.backend as GpuKernelHost;
    const size = xs.length > 0 ? tf.util.sizeFromShape(xs[0].shape) : 0;
    if (xs.length < 2 || xs.length > MAX_ADDN || xs.some((t) => t.dtype !== 'float32') || !fitsGpu(size, xs)) {
      return cpu(args) as TensorInfo;
    }
    const names = xs.map((_, i) => `x${i}`);
    const values = host.runGpu(`AddN|${xs.length}|${size}`, () => ({
      source: `function (${names.join(', ')}) {\nconst i = this.thread.x;\nreturn ${names.map((n) => `${n}[i]`).join(' + ')};\n}`,
      size,
    }), xs);
    return host.makeTensorInfo(xs[0].shape, 'float32', values);
  };
}
