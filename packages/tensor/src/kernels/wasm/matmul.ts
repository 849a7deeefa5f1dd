/**
 * `BatchMatMul` and `_FusedMatMul` for tfjs' wasm backend on agon's SIMD GEMM (gemm.c): every
 * form — 2-D and batched with broadcast batch dimensions, either side transposed, bias and
 * activation epilogues — runs the same packed kernel, where tfjs-backend-wasm 4.22 sends only
 * untransposed 2-D products to XNNPACK and everything else to scalar loops. Gradients need no
 * registration of their own: tfjs' gradients of both kernels are matMuls again.
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapOffset, kernelsFor, type WasmBackendHeap } from './module.js';
import { splitProduct, type Piece } from './split.js';
import { kernelPool, type GemmCall, type KernelPool } from './threads.js';
import { replaceKernel, type KernelArgs } from '../registry.js';

/** Activation codes of act.h. */
const ACT: Record<string, number> = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3, prelu: 4, sigmoid: 5, elu: 6 };

/** An operand broadcast over [batch, M, N]: its strides (in elements) per batch, row and column. */
interface Broadcast {
  batchStride: number;
  rs: number;
  cs: number;
}

/**
 * A bias or PReLU operand broadcast against the kernel's output [batch, M, N] as strides (rank ≤
 * 3, each dimension 1 or the output's; tfjs-backend-wasm's own kernel took rank 1 only).
 */
function broadcastOperand(
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
  return { batchStride: db === 1 ? 0 : dm * dn, rs: dm === 1 ? 0 : dn, cs: dn === 1 ? 0 : 1 };
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
  const bias = broadcastOperand(p.bias, 'bias', batch, M, N);
  const prelu = broadcastOperand(p.prelu, 'PReLU weights', batch, M, N);

  // Heap offsets stay valid when the heap grows (only JS views detach), so no view is held here.
  const out = backend.makeOutput([...batchShape, M, N], 'float32');
  const geometry: Geometry = {
    M, N, K,
    offA: batchOffsets(batchShape, a.shape.slice(0, -2), M * K),
    offB: batchOffsets(batchShape, b.shape.slice(0, -2), K * N),
    rsa: transposeA ? 1 : K, csa: transposeA ? M : 1,
    rsb: transposeB ? 1 : N, csb: transposeB ? K : 1,
    bias, prelu, act, alpha: p.alpha,
  };
  const operands = [a, b, p.bias, p.prelu, out];
  const k = kernelsFor(backend);
  const heapPtrs = operands.map((t) => (t ? heapOffset(backend, t) : 0));
  const inPlace = (pieces: Piece[]) => {
    const [pa, pb, pbias, pprelu, pc] = heapPtrs;
    for (const call of gemmCalls(geometry, pieces, pa, pb, pbias, pprelu, pc)) (k.fns.gemm_f32 as (...args: number[]) => void)(...call, k.gemmScratch);
  };
  const pool = kernelPool();
  if (pool && 2 * batch * M * N * K >= pool.minFlops && threaded(pool, backend, geometry, batch, operands, heapPtrs, inPlace)) return out;
  inPlace(splitProduct(batch, M, N, 1)[0]);
  return out;
}

/**
 * B operands of at least this many bytes stay resident in the threads' shared memory between
 * products (copied whole once per tensor) instead of being copied piecewise for every product.
 */
export const RESIDENT_MIN_BYTES = 4 * 2 ** 20;

/** A product's shape, strides and epilogue, as gemm_f32 takes them. */
interface Geometry {
  M: number;
  N: number;
  K: number;
  offA: ArrayLike<number>;
  offB: ArrayLike<number>;
  rsa: number;
  csa: number;
  rsb: number;
  csb: number;
  bias?: Broadcast;
  prelu?: Broadcast;
  act: number;
  alpha: number;
}

/**
 * gemm_f32's arguments (all but scratch) for `pieces`, with the operands at byte offsets pa, pb,
 * pbias, pprelu (0: none) and the output at pc.
 */
function gemmCalls(g: Geometry, pieces: Piece[], pa: number, pb: number, pbias: number, pprelu: number, pc: number): GemmCall[] {
  const { M, N, K, bias, prelu } = g;
  return pieces.map(({ batch: i, i0, i1, j0, j1 }) => [
    i1 - i0, N, K,
    pa + 4 * (g.offA[i] + i0 * g.rsa), g.rsa, g.csa,
    pb + 4 * g.offB[i], g.rsb, g.csb,
    pc + 4 * (i * M * N + i0 * N),
    bias ? pbias + 4 * (i * bias.batchStride + i0 * bias.rs) : 0, bias?.rs ?? 0, bias?.cs ?? 0,
    g.act, g.alpha,
    prelu ? pprelu + 4 * (i * prelu.batchStride + i0 * prelu.rs) : 0, prelu?.rs ?? 0, prelu?.cs ?? 0,
    j0, j1,
  ]);
}

/**
 * Runs the product on the kernel threads. The calling thread computes its pieces in place on
 * tfjs' heap (`inPlace`); for the workers' pieces, the parts of the operands they read are copied
 * into the threads' shared memory (laid out as the tensors are, so the same offsets hold) and the
 * parts of the output they wrote are copied back. False (nothing done) when the workers have no
 * piece or that memory cannot hold the operands.
 */
function threaded(
  pool: KernelPool,
  backend: WasmBackendHeap,
  g: Geometry,
  batch: number,
  operands: (tf.TensorInfo | undefined)[],
  heapPtrs: number[],
  inPlace: (pieces: Piece[]) => void,
): boolean {
  const pieces = splitProduct(batch, g.M, g.N, pool.threads);
  const theirs = pieces.slice(1).flat();
  if (!theirs.length) return false;
  const sizes = operands.map((t) => (t ? 4 * t.shape.reduce((x, y) => x * y, 1) : 0));
  // A large B (a weight: the output layer's, shared by every chunk of the token log-probs and by
  // every decoding step) is copied whole once and stays in the shared memory until another takes its place.
  const b = operands[1] as tf.TensorInfo;
  const residentAt =
    sizes[1] >= RESIDENT_MIN_BYTES
      ? pool.resident(b.dataId, sizes[1], (to) => pool.bytes().set(new Uint8Array(backend.wasm.asm.memory.buffer, heapPtrs[1], sizes[1]), to))
      : undefined;
  const offsets: number[] = [];
  let total = 0;
  sizes.forEach((n, i) => {
    offsets.push(total);
    if (!(i === 1 && residentAt !== undefined)) total += Math.ceil(n / 16) * 16;
  });
  const base = pool.reserve(total, Math.max(...pieces.map((p) => p.length)));
  if (base === undefined) return false;
  const at = offsets.map((o, i) => (i === 1 && residentAt !== undefined ? residentAt : base + o));
  const { M, N, K } = g;
  // Element ranges [from, to) of operand `i` to copy; a range already copied is skipped.
  const heap = new Uint8Array(backend.wasm.asm.memory.buffer);
  const shared = pool.bytes();
  const done = new Set<string>();
  const copyIn = (i: number, from: number, to: number) => {
    if (i === 1 && residentAt !== undefined) return;
    const key = `${i}:${from}:${to}`;
    if (done.has(key)) return;
    done.add(key);
    shared.set(heap.subarray(heapPtrs[i] + 4 * from, heapPtrs[i] + 4 * to), at[i] + 4 * from);
  };
  for (const { batch: b, i0, i1, j0, j1 } of theirs) {
    // Untransposed A: the piece's rows only; transposed, its rows are spread over the whole matrix.
    if (g.rsa === K && g.csa === 1) copyIn(0, g.offA[b] + i0 * K, g.offA[b] + i1 * K);
    else copyIn(0, g.offA[b], g.offA[b] + M * K);
    // B: the piece's columns only (gemm_f32 reads no other) when B is transposed ([N, K], the
    // output layer's tied embedding: contiguous); otherwise the span from the first row's first
    // column to the last row's last, in one copy (K short copies cost more than the extra bytes).
    if (j0 === 0 && j1 === N) copyIn(1, g.offB[b], g.offB[b] + K * N);
    else if (g.rsb === 1 && g.csb === K) copyIn(1, g.offB[b] + j0 * K, g.offB[b] + j1 * K);
    else copyIn(1, g.offB[b] + j0, g.offB[b] + (K - 1) * N + j1);
  }
  for (const i of [2, 3]) if (operands[i]) copyIn(i, 0, sizes[i] / 4);
  const [pa, pb, pbias, pprelu, pc] = at;
  pool.run([[], ...pieces.slice(1).map((share) => gemmCalls(g, share, pa, pb, pbias, pprelu, pc))], () => inPlace(pieces[0]));
  const back = new Uint8Array(backend.wasm.asm.memory.buffer);
  const from = pool.bytes();
  const copyOut = (start: number, end: number) => back.set(from.subarray(pc + 4 * start, pc + 4 * end), heapPtrs[4] + 4 * start);
  for (const { batch: b, i0, i1, j0, j1 } of theirs) {
    if (j0 === 0 && j1 === N) copyOut(b * M * N + i0 * N, b * M * N + i1 * N);
    else for (let i = i0; i < i1; i++) copyOut(b * M * N + i * N + j0, b * M * N + i * N + j1);
  }
  return true;
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
  replaceKernel(tf.BatchMatMul, 'wasm', batchMatMul);
  replaceKernel(tf._FusedMatMul, 'wasm', fusedMatMul);
}
