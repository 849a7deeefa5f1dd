// BatchMatMul and _FusedMatMul (matmul + bias + activation in one kernel): one output element per
// GPU thread, a K-long dot product with the shapes and transposes baked into the source.
import * as tf from '@tensorflow/tfjs-core';
import { broadcast_util, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { broadcastIndices, fitsGpu, lit } from '../indexing.js';
import type { GpuKernelHost } from './host.js';

interface MatMulGeometry {
  batchA: number;
  batchB: number;
  batch: number;
  M: number;
  K: number;
  N: number;
  outShape: number[];
}

/** Shapes of a (possibly batch-broadcast) matmul, following tfjs-backend-cpu's BatchMatMul. */
function geometry(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): MatMulGeometry {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const K = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kB = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const M = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const N = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (K !== kB) {
    throw new Error(`gpujs BatchMatMul: inner dimensions differ (${K} and ${kB}) for shapes [${a.shape}] and [${b.shape}]`);
  }
  const outer = broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  return { batchA, batchB, batch: Math.max(batchA, batchB), M, K, N, outShape: [...outer, M, N] };
}

/** Fused activations, as gpu.js expressions of the pre-activation `s` (and `alpha`, `w`). */
const ACTIVATIONS: Record<string, (s: string, alpha: number) => string> = {
  linear: (s) => s,
  relu: (s) => `Math.max(${s}, 0.0)`,
  relu6: (s) => `Math.min(Math.max(${s}, 0.0), 6.0)`,
  elu: (s) => `(${s} > 0.0 ? ${s} : Math.exp(${s}) - 1.0)`,
  sigmoid: (s) => `1.0 / (1.0 + Math.exp(-${s}))`,
  leakyrelu: (s, alpha) => `(${s} < 0.0 ? ${lit(alpha)} * ${s} : ${s})`,
  prelu: (s) => `(${s} < 0.0 ? w[idx1] * ${s} : ${s})`,
};

/** Which batch of an operand with `own` batches output batch `bi` reads (as the CPU kernel does). */
function batchOf(own: number, batch: number): string {
  if (own === 1) return '0.0';
  if (own === batch) return 'bi';
  return `(bi - Math.floor((bi + 0.5) / ${lit(own)}) * ${lit(own)})`;
}

interface Epilogue {
  bias?: TensorInfo;
  prelu?: TensorInfo;
  activation: string;
  alpha: number;
}

function matmulSource(g: MatMulGeometry, tA: boolean, tB: boolean, ep: Epilogue): string {
  const { M, K, N } = g;
  const params = ['a', 'b', ...(ep.bias ? ['bias'] : []), ...(ep.prelu ? ['w'] : [])];
  const lines = ['const flat = this.thread.x;'];
  if (g.batch > 1) lines.push(`const bi = Math.floor((flat + 0.5) / ${lit(M * N)});`, `const rem = flat - bi * ${lit(M * N)};`);
  else lines.push('const rem = flat;');
  lines.push(`const m = Math.floor((rem + 0.5) / ${lit(N)});`, `const n = rem - m * ${lit(N)};`);
  const aBase = `${batchOf(g.batchA, g.batch)} * ${lit(M * K)} + ${tA ? 'm' : `m * ${lit(K)}`}`;
  const bBase = `${batchOf(g.batchB, g.batch)} * ${lit(K * N)} + ${tB ? `n * ${lit(K)}` : 'n'}`;
  lines.push(`const ia = ${aBase};`, `const ib = ${bBase};`, 'let s = 0.0;');
  lines.push(`for (let k = 0; k < ${K}; k++) {`, `s += a[ia + k * ${lit(tA ? M : 1)}] * b[ib + k * ${lit(tB ? 1 : N)}];`, '}');
  const extra = [ep.bias?.shape ?? [1], ep.prelu?.shape ?? [1]];
  if (ep.bias || ep.prelu) lines.push(broadcastIndices('flat', g.outShape, extra));
  if (ep.bias) lines.push('s = s + bias[idx0];');
  const act = ACTIVATIONS[ep.activation];
  lines.push(`return ${act('s', ep.alpha)};`);
  return `function (${params.join(', ')}) {\n${lines.join('\n')}\n}`;
}

/**
 * The 4-lane variant for GL modes: each thread computes 4 neighbouring columns, reading each `a`
 * value once for all 4, which cuts texture reads from 8 to 5 per 4 multiply-adds (about 1.7×
 * faster on Mesa's software GL). Used when N % 4 == 0 and there is no bias/prelu to index.
 */
function matmulSource4(g: MatMulGeometry, tA: boolean, tB: boolean, ep: Epilogue): string {
  const { M, K, N } = g;
  const N4 = N / 4;
  const lines = ['const flat = this.thread.x;'];
  if (g.batch > 1) lines.push(`const bi = Math.floor((flat + 0.5) / ${lit(M * N4)});`, `const rem = flat - bi * ${lit(M * N4)};`);
  else lines.push('const rem = flat;');
  lines.push(`const m = Math.floor((rem + 0.5) / ${lit(N4)});`, `const n = (rem - m * ${lit(N4)}) * 4.0;`);
  const aBase = `${batchOf(g.batchA, g.batch)} * ${lit(M * K)} + ${tA ? 'm' : `m * ${lit(K)}`}`;
  const bBase = `${batchOf(g.batchB, g.batch)} * ${lit(K * N)} + ${tB ? `n * ${lit(K)}` : 'n'}`;
  const lane = tB ? K : 1; // distance between neighbouring columns of b
  lines.push(`const ia = ${aBase};`, `const ib = ${bBase};`, 'let s0 = 0.0;', 'let s1 = 0.0;', 'let s2 = 0.0;', 'let s3 = 0.0;');
  lines.push(
    `for (let k = 0; k < ${K}; k++) {`,
    `const av = a[ia + k * ${lit(tA ? M : 1)}];`,
    `const bk = ib + k * ${lit(tB ? 1 : N)};`,
    's0 += av * b[bk];',
    `s1 += av * b[bk + ${lit(lane)}];`,
    `s2 += av * b[bk + ${lit(2 * lane)}];`,
    `s3 += av * b[bk + ${lit(3 * lane)}];`,
    '}',
  );
  const act = ACTIVATIONS[ep.activation];
  lines.push(`return [${['s0', 's1', 's2', 's3'].map((v) => act(v, ep.alpha)).join(', ')}];`);
  return `function (a, b) {\n${lines.join('\n')}\n}`;
}

function run(host: GpuKernelHost, a: TensorInfo, b: TensorInfo, tA: boolean, tB: boolean, ep: Epilogue, name: string): TensorInfo {
  const g = geometry(a, b, tA, tB);
  const size = tf.util.sizeFromShape(g.outShape);
  const key = [name, a.shape, b.shape, tA, tB, ep.bias?.shape ?? '-', ep.prelu?.shape ?? '-', ep.activation, ep.alpha].join('|');
  const inputs = [a, b, ...(ep.bias ? [ep.bias] : []), ...(ep.prelu ? [ep.prelu] : [])];
  const fourLanes = host.vectorOutputs && g.N % 4 === 0 && !ep.bias && !ep.prelu;
  const values = fourLanes
    ? host.runGpu(`${key}|x4`, () => ({ source: matmulSource4(g, tA, tB, ep), size: size / 4, lanes: 4 }), inputs)
    : host.runGpu(key, () => ({ source: matmulSource(g, tA, tB, ep), size }), inputs);
  return host.makeTensorInfo(g.outShape, 'float32', values);
}

function gpuAble(ts: (TensorInfo | undefined)[]): boolean {
  return ts.every((t) => !t || t.dtype === 'float32');
}

/**
 * Output size of the product, or 0 when the generated kernel cannot index it: batch dims that
 * broadcast across each other (e.g. [2, 1] with [1, 3]) are not one operand repeating the other,
 * so they are left to the cpu kernel, whose behaviour for them is the reference.
 */
function outSize(a: TensorInfo, b: TensorInfo, tA: boolean, tB: boolean): number {
  const g = geometry(a, b, tA, tB);
  const size = tf.util.sizeFromShape(g.outShape);
  return g.batch * g.M * g.N === size ? size : 0;
}

/** BatchMatMul on the GPU for float32 operands; `cpu` takes the rest. */
export function batchMatMulKernel(cpu: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    if (!gpuAble([a, b]) || !fitsGpu(outSize(a, b, transposeA, transposeB), [a, b])) return cpu(args) as TensorInfo;
    return run(args.backend as GpuKernelHost, a, b, transposeA, transposeB, { activation: 'linear', alpha: 0 }, 'BatchMatMul');
  };
}

/** _FusedMatMul (matmul, then bias, then activation) on the GPU in one kernel. */
export function fusedMatMulKernel(cpu: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, TensorInfo | undefined>;
    const attrs = args.attrs as { transposeA: boolean; transposeB: boolean; activation?: string; leakyreluAlpha?: number };
    const activation = attrs.activation ?? 'linear';
    if (
      !a || !b || !(activation in ACTIVATIONS) || (activation === 'prelu' && !preluActivationWeights) ||
      !gpuAble([a, b, bias, preluActivationWeights]) ||
      !fitsGpu(outSize(a, b, attrs.transposeA, attrs.transposeB), [a, b, ...(bias ? [bias] : []), ...(preluActivationWeights ? [preluActivationWeights] : [])])
    ) {
      return cpu(args) as TensorInfo;
    }
    return run(args.backend as GpuKernelHost, a, b, attrs.transposeA, attrs.transposeB, {
      bias,
      prelu: activation === 'prelu' ? preluActivationWeights : undefined,
      activation,
      alpha: attrs.leakyreluAlpha ?? 0.2,
    }, '_FusedMatMul');
  };
}
