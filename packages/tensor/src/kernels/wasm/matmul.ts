/**
 * `BatchMatMul` and `_FusedMatMul` for tfjs' wasm backend on agon's SIMD GEMM (gemm.c): every
 * form — 2-D and batched with broadcast batch dimensions, either side transposed, bias and
 * activation epilogues — runs the same packed kernel, where tfjs-backend-wasm 4.22 sends only
 * untransposed 2-D products to XNNPACK and everything else to scalar loops. Gradients need no
 * registration of their own: tfjs' gradients of both kernels are matMuls again.
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapOffset, kernelsFor, type WasmBackendHeap } from './module.js';

/** Activation codes of act.h. */
const ACT: Record<string, number> = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3, prelu: 4, sigmoid: 5, elu: 6 };

type KernelArgs = { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown };

/** Where an operand broadcast over [batch, M, N] starts for a batch, and its row/column strides. */
interface Broadcast {
  ptr: number;
  batchStride: number;
  rs: number;
  cs: number;
}

/**
 * A bias or PReLU operand broadcast against the kernel's output [batch, M, N] as strides (rank ≤
 * 3, each dimension 1 or the output's; tfjs-backend-wasm's own kernel took rank 1 only).
 */
function broadcastOperand(
  backend: WasmBackendHeap,
  t: tf.TensorInfo | undefined,
  what: string,
  batch: number,
  M: number,
  N: number,
): Broadcast | undefined {
  if (!t) return undefined;
  const s = t.shape;
  const want = [batch, M, N];
  const full = [1, 1, 1].slice(0, Math.max(0, 3 - s.length)).concat(s);
  if (s.length > 3 || full.some((d, i) => d !== 1 && d !== want[i])) {
    throw new Error(`_FusedMatMul (wasm): ${what} of shape [${s.join(', ')}] does not broadcast to the output [${want.join(', ')}] (rank ≤ 3, each dimension 1 or the output's)`);
  }
  const [db, dm, dn] = full;
  return { ptr: heapOffset(backend, t), batchStride: db === 1 ? 0 : dm * dn, rs: dm === 1 ? 0 : dn, cs: dn === 1 ? 0 : 1 };
}

/** Offsets (in elements) of each output batch's operand, under numpy broadcasting of the batch dims. */
function batchOffsets(outBatch: number[], inBatch: number[], matSize: number): Int32Array | number[] {
  const n = outBatch.reduce((a, b) => a * b, 1);
  const size = inBatch.reduce((a, b) => a * b, 1);
  if (size === n) return Array.from({ length: n }, (_, i) => i * matSize);
  if (size === 1) return new Array<number>(n).fill(0);
  const r = outBatch.length;
  const padded = new Array<number>(r - inBatch.length).fill(1).concat(inBatch);
  const strides = new Array<number>(r).fill(0);
  for (let i = r - 1, st = matSize; i >= 0; i--) {
    strides[i] = padded[i] === 1 ? 0 : st;
    st *= padded[i];
  }
  const out = new Int32Array(n);
  for (let idx = 0; idx < n; idx++) {
    let rem = idx;
    let off = 0;
    for (let i = r - 1; i >= 0; i--) {
      const d = outBatch[i];
      off += (rem % d) * strides[i];
      rem = Math.floor(rem / d);
    }
    out[idx] = off;
  }
  return out;
}

interface Product {
  a: tf.TensorInfo;
  b: tf.TensorInfo;
  transposeA: boolean;
  transposeB: boolean;
  bias?: tf.TensorInfo;
  prelu?: tf.TensorInfo;
  activation: string;
  alpha: number;
}

/** Runs op(A)·op(B) (+ bias, activation) on the heap. */
function product(kernel: string, backendArg: unknown, p: Product): tf.TensorInfo {
  const { a, b, transposeA, transposeB } = p;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') {
    throw new Error(`${kernel} (wasm): only float32 operands are supported; got ${a.dtype} and ${b.dtype}`);
  }
  const act = ACT[p.activation];
  if (act === undefined) throw new Error(`${kernel} (wasm): unknown activation '${p.activation}' (known: ${Object.keys(ACT).join(', ')})`);
  const backend = backendArg as WasmBackendHeap;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const K = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const Kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const M = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const N = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (K !== Kb) {
    throw new Error(`Error in matMul: inner shapes (${K}) and (${Kb}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
  }
  const batchShape = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = batchShape.reduce((x, y) => x * y, 1);
  const bias = broadcastOperand(backend, p.bias, 'bias', batch, M, N);
  const prelu = broadcastOperand(backend, p.prelu, 'PReLU weights', batch, M, N);

  // Heap offsets stay valid when the heap grows (only JS views detach), so no view is held here.
  const out = backend.makeOutput([...batchShape, M, N], 'float32');
  const k = kernelsFor(backend);
  const pa = heapOffset(backend, a);
  const pb = heapOffset(backend, b);
  const pc = heapOffset(backend, out);
  const offA = batchOffsets(batchShape, a.shape.slice(0, -2), M * K);
  const offB = batchOffsets(batchShape, b.shape.slice(0, -2), K * N);
  const [rsa, csa] = transposeA ? [1, M] : [K, 1];
  const [rsb, csb] = transposeB ? [1, K] : [N, 1];
  for (let i = 0; i < batch; i++) {
    k.fns.gemm_f32(
      M, N, K,
      pa + 4 * offA[i], rsa, csa,
      pb + 4 * offB[i], rsb, csb,
      pc + 4 * i * M * N,
      bias ? bias.ptr + 4 * i * bias.batchStride : 0, bias?.rs ?? 0, bias?.cs ?? 0,
      act, p.alpha,
      prelu ? prelu.ptr + 4 * i * prelu.batchStride : 0, prelu?.rs ?? 0, prelu?.cs ?? 0,
      0, N, k.gemmScratch,
    );
  }
  return out;
}

function batchMatMul(args: KernelArgs): tf.TensorInfo {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
  return product(tf.BatchMatMul, args.backend, { a, b, transposeA, transposeB, activation: 'linear', alpha: 0 });
}

function fusedMatMul(args: KernelArgs): tf.TensorInfo {
  const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined> & { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB, activation, leakyreluAlpha } = args.attrs as {
    transposeA: boolean;
    transposeB: boolean;
    activation: string;
    leakyreluAlpha?: number;
  };
  const prelu = preluActivationWeights;
  return product(tf._FusedMatMul, args.backend, { a, b, transposeA, transposeB, bias, prelu, activation, alpha: leakyreluAlpha ?? 0.2 });
}

/** Kernel names this file replaces on the wasm backend. */
export const MATMUL_KERNELS = [tf.BatchMatMul, tf._FusedMatMul] as const;

/**
 * Puts agon's GEMM in place of tfjs-backend-wasm's `BatchMatMul` and `_FusedMatMul` (idempotent).
 * Like tfjs' kernels they take float32 operands only.
 *
 * @example
 * ```ts
 * registerWasmMatMul();
 * tf.matMul(a, b, false, true); // SIMD GEMM on the wasm heap, any form
 * ```
 */
export function registerWasmMatMul(): void {
  const mine: Record<string, tf.KernelFunc> = {
    [tf.BatchMatMul]: batchMatMul as unknown as tf.KernelFunc,
    [tf._FusedMatMul]: fusedMatMul as unknown as tf.KernelFunc,
  };
  for (const name of MATMUL_KERNELS) {
    const cur = tf.getKernel(name, 'wasm');
    if (cur?.kernelFunc === mine[name]) continue;
    if (cur) tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: mine[name] });
  }
}
