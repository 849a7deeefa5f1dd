// Reductions over any set of axes: the reduced axes are moved innermost (CPU Transpose kernel,
// as tfjs-backend-cpu does), then one GPU thread folds each contiguous run of R values.
import * as tf from '@tensorflow/tfjs-core';
import { backend_util, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { fitsGpu, lit } from '../indexing.js';
import type { GpuKernelHost } from './host.js';

interface Fold {
  /** Accumulator start, given the first value `v0`. */
  init: string;
  /** New accumulator from `acc` and value `v` (index `k`). */
  step: string;
  /** Result from `acc` (R is the run length). */
  finish: (R: number) => string;
  /** Output dtype. */
  dtype: 'float32' | 'int32';
}

/** Folds by tfjs kernel name. Sums are sequential in float32, like the CPU kernel's. */
export const REDUCTIONS: Readonly<Record<string, Fold>> = {
  Sum: { init: 'v0', step: 'acc + v', finish: () => 'acc', dtype: 'float32' },
  Mean: { init: 'v0', step: 'acc + v', finish: (R) => `acc / ${lit(R)}`, dtype: 'float32' },
  Prod: { init: 'v0', step: 'acc * v', finish: () => 'acc', dtype: 'float32' },
  Max: { init: 'v0', step: 'Math.max(acc, v)', finish: () => 'acc', dtype: 'float32' },
  Min: { init: 'v0', step: 'Math.min(acc, v)', finish: () => 'acc', dtype: 'float32' },
  // Arg folds keep the best value in `acc` and its position in `pos`; the first best wins.
  ArgMax: { init: 'v0', step: 'v > acc', finish: () => 'pos', dtype: 'int32' },
  ArgMin: { init: 'v0', step: 'v < acc', finish: () => 'pos', dtype: 'int32' },
};

/** The longest run one GPU thread folds (see reduceKernel). */
export const MAX_RUN = 1 << 16;

function foldSource(f: Fold, R: number, arg: boolean): string {
  const body = arg
    ? [`if (${f.step}) {`, 'acc = v;', 'pos = k;', '}']
    : [`acc = ${f.step};`];
  return [
    'function (x) {',
    `const base = this.thread.x * ${lit(R)};`,
    'const v0 = x[base];',
    `let acc = ${f.init};`,
    'let pos = 0.0;',
    `for (let k = 1; k < ${R}; k++) {`,
    'const v = x[base + k];',
    ...body,
    '}',
    `return ${f.finish(R)};`,
    '}',
  ].join('\n');
}

/** The kernel function for reduction `name` (Sum, Mean, Prod, Max, Min, ArgMax, ArgMin). */
export function reduceKernel(name: string, cpu: KernelFunc): KernelFunc {
  const fold = REDUCTIONS[name];
  const arg = name === 'ArgMax' || name === 'ArgMin';
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    const host = args.backend as GpuKernelHost;
    const attrs = args.attrs as { axis?: number | number[]; reductionIndices?: number | number[]; keepDims?: boolean };
    if (x.dtype !== 'float32' || x.shape.length === 0 || !fitsGpu(1, [x])) return cpu(args) as TensorInfo;
    // Max names its axes `reductionIndices`; every other reduction calls them `axis`.
    const axisAttr = name === 'Max' ? attrs.reductionIndices : attrs.axis;
    // A null axis (all axes) is valid at run time; the typings omit it.
    const axes = tf.util.parseAxisParam(axisAttr as number | number[], x.shape);
    // tfjs validates this in the op, but a direct runKernel call could pass several.
    if (arg && axes.length !== 1) return cpu(args) as TensorInfo;

    const perm = backend_util.getAxesPermutation(axes, x.shape.length);
    let inner = x;
    let innerAxes = axes;
    if (perm) {
      const transpose = tf.getKernel('Transpose', 'cpu');
      if (!transpose) throw new Error(`gpujs ${name}: the cpu backend's Transpose kernel is not registered`);
      inner = transpose.kernelFunc({ inputs: { x }, backend: args.backend, attrs: { perm } }) as TensorInfo;
      innerAxes = backend_util.getInnerMostAxes(axes.length, x.shape.length);
    }
    const [outShape, reduceShape] = backend_util.computeOutAndReduceShapes(inner.shape, innerAxes);
    const R = tf.util.sizeFromShape(reduceShape);
    const outCount = tf.util.sizeFromShape(outShape);
    try {
      // One thread folds a whole run serially: past MAX_RUN values that is no faster than the CPU
      // kernel (and a long GPU loop risks the driver's watchdog), so those go to the CPU.
      if (R === 0 || R > MAX_RUN || !fitsGpu(outCount, [inner])) return cpu(args) as TensorInfo;
      const values = host.runGpu(`${name}|${outCount}|${R}`, () => ({ source: foldSource(fold, R, arg), size: outCount }), [inner]);
      const shape = attrs.keepDims ? backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
      return host.makeTensorInfo(shape, fold.dtype, fold.dtype === 'int32' ? Int32Array.from(values) : values);
    } finally {
      if (inner !== x) host.disposeIntermediateTensorInfo(inner);
    }
  };
}
