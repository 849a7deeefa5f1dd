/**
 * `GatherV2` for tfjs' wasm backend, for the embedding lookup's case — float32 or int32 params,
 * axis 0, no batch dimensions, int32 indices: each index's whole row is copied on the heap with
 * one `copyWithin`, where tfjs-backend-wasm 4.22 computes every element's source index in a
 * scalar loop (~5 ms for 2048 rows of 64 floats). Every other case runs tfjs' own kernel. The
 * gradient stays tfjs' (an `UnsortedSegmentSum` of the output's gradient, segment-sum.ts here).
 */
import * as tf from '@tensorflow/tfjs-core';
import { replaceKernel, type KernelArgs } from '../registry.js';
import { heapOffset, type WasmBackendHeap } from './module.js';

/** tfjs-backend-wasm's own GatherV2, run for every case this file does not handle. */
let tfjsGather: tf.KernelConfig | undefined;

function gatherV2(args: KernelArgs): tf.TensorInfo {
  const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
  const { axis, batchDims } = args.attrs as { axis: number; batchDims: number };
  const rowsAxis = x.shape.length > 0 ? tf.util.parseAxisParam(axis, x.shape)[0] : -1;
  if (rowsAxis !== 0 || batchDims !== 0 || indices.dtype !== 'int32' || (x.dtype !== 'float32' && x.dtype !== 'int32')) {
    if (!tfjsGather) throw new Error('GatherV2 (wasm): tfjs-backend-wasm registered no GatherV2 to run this case on');
    return tfjsGather.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  }
  const backend = args.backend as WasmBackendHeap;
  const rows = x.shape[0];
  const row = x.shape.slice(1).reduce((a, b) => a * b, 1);
  const n = indices.shape.reduce((a, b) => a * b, 1);
  // Checked before the output is made, so a bad index leaves nothing allocated (the message is tfjs').
  const ids = new Int32Array(backend.wasm.asm.memory.buffer, heapOffset(backend, indices), n);
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    if (id < 0 || id > rows - 1) throw new Error(`GatherV2: the index value ${id} is not in [0, ${rows - 1}]`);
  }
  // Views are taken after the output is made: growing the heap detaches older ones.
  const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
  if (row === 0 || n === 0) return out;
  const heap = new Int32Array(backend.wasm.asm.memory.buffer);
  const src = heapOffset(backend, x) / 4;
  const dst = heapOffset(backend, out) / 4;
  const at = heapOffset(backend, indices) / 4;
  for (let i = 0; i < n; i++) {
    const from = src + heap[at + i] * row;
    heap.copyWithin(dst + i * row, from, from + row);
  }
  return out;
}

/**
 * Puts agon's row-copying `GatherV2` in place of tfjs-backend-wasm's (idempotent); tfjs' kernel
 * still runs every case other than float32/int32 params gathered on axis 0 by int32 indices
 * without batch dimensions. An index outside [0, rows) throws, as tfjs' kernel does.
 *
 * @example
 * ```ts
 * registerWasmGather();
 * tf.gather(embedding, ids); // [V, C] by [B, T] → [B, T, C], one heap copy per row
 * ```
 */
export function registerWasmGather(): void {
  tfjsGather = replaceKernel(tf.GatherV2, 'wasm', gatherV2);
}
