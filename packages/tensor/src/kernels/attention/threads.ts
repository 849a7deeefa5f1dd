/**
 * Fused attention on agon's kernel threads: the operands are copied into the threads' shared
 * memory, the work is cut into fixed contiguous ranges of (b, h) pairs (forward) or (b, kv head)
 * pairs (backward, so each thread owns the dk and dv rows it accumulates), and the outputs are
 * copied back. Every query row is computed exactly as on one thread, so the results are
 * bit-identical across thread counts.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { heapOffset, type WasmBackendHeap } from '../wasm/module.js';
import { ranges } from '../wasm/split.js';
import { THREAD_FUNCTIONS, type KernelCall, type KernelPool } from '../wasm/threads.js';
import type { AttentionDims } from './math.js';

/** Byte offsets in the shared memory of one threaded call's pieces. */
export interface SharedLayout {
  /** The inputs, in the order given (0 for an absent one). */
  ins: number[];
  /** The outputs, in the order given. */
  outs: number[];
  /** The mask's spans (3 int32 a mask row), or 0 without a mask. */
  spans: number;
}

const align16 = (n: number) => Math.ceil(n / 16) * 16;
const bytesOf = (t: tf.TensorInfo) => 4 * t.shape.reduce((a, b) => a * b, 1);

/**
 * Runs `THREAD_FUNCTIONS[fn]` over `units` units on the pool: `ins` (the mask, if any, last)
 * are copied in, `outs` (already allocated on tfjs' heap) copied back; `args(layout, scratch,
 * u0, u1)` gives one thread's call. False (nothing done) when the shared memory cannot hold it.
 */
export function attentionOnThreads(
  pool: KernelPool,
  backend: WasmBackendHeap,
  d: AttentionDims,
  fn: (typeof THREAD_FUNCTIONS)[number],
  ins: (tf.TensorInfo | undefined)[],
  mask: tf.TensorInfo | undefined,
  outs: tf.TensorInfo[],
  units: number,
  args: (at: SharedLayout, scratch: number, u0: number, u1: number) => number[],
): boolean {
  const kernels = pool.kernels();
  const maskRows = mask ? d.Bm * d.Hm * d.T : 0;
  const scratchBytes = align16(kernels.attention_scratch_floats(d.Tk, d.D) * 4);
  const parts = [...ins, mask].map((t) => (t ? align16(bytesOf(t)) : 0));
  const outBytes = outs.map((t) => align16(bytesOf(t)));
  const spanBytes = align16(maskRows * 12);
  const total = parts.reduce((a, b) => a + b, 0) + outBytes.reduce((a, b) => a + b, 0) + spanBytes + pool.threads * scratchBytes;
  const base = pool.reserve(total, 1);
  if (base === undefined) return false;
  let next = base;
  const place = (n: number) => {
    const at = next;
    next += n;
    return at;
  };
  const inAt = parts.map((n) => (n ? place(n) : 0));
  const outAt = outBytes.map(place);
  const spans = mask ? place(spanBytes) : 0;
  const scratch = Array.from({ length: pool.threads }, () => place(scratchBytes));

  const heap = new Uint8Array(backend.wasm.asm.memory.buffer);
  const shared = pool.bytes();
  [...ins, mask].forEach((t, i) => {
    if (!t) return;
    const p = heapOffset(backend, t);
    shared.set(heap.subarray(p, p + bytesOf(t)), inAt[i]);
  });
  const maskAt = inAt[ins.length];
  if (mask) kernels.attention_spans(maskRows, d.Tk, maskAt, spans);

  const layout: SharedLayout = { ins: [...inAt.slice(0, ins.length), maskAt], outs: outAt, spans };
  const index = THREAD_FUNCTIONS.indexOf(fn);
  const shares: KernelCall[][] = ranges(units, pool.threads).map(([u0, u1], t) =>
    u1 > u0 ? [{ fn: index, args: args(layout, scratch[t], u0, u1) }] : [],
  );
  pool.runCalls(shares);

  const back = new Uint8Array(backend.wasm.asm.memory.buffer);
  const from = pool.bytes();
  outs.forEach((t, i) => back.set(from.subarray(outAt[i], outAt[i] + bytesOf(t)), heapOffset(backend, t)));
  return true;
}
