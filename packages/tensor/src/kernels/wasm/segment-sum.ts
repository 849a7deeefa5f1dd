/**
 * `UnsortedSegmentSum` for tfjs' wasm backend (tfjs-backend-wasm 4.22 has none; `tf.gather`'s
 * gradient runs one): the output [numSegments, ...rest] is zero-filled and each row of x is added
 * to its segment's row in row order by a SIMD C loop on the heap (native/segment.c), so every
 * output element is the sequential float32 (or wrapping int32) sum of its rows in index order. Ids
 * outside [0, numSegments) are skipped, as tfjs' cpu kernel and TensorFlow do.
 */
import * as tf from '@tensorflow/tfjs-core';
import { replaceKernel, type KernelArgs } from '../registry.js';
import { heapOffset, kernelsFor, type WasmBackendHeap } from './module.js';

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

function unsortedSegmentSum(args: KernelArgs): tf.TensorInfo {
  const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = args.attrs as { numSegments: number };
  const what = 'UnsortedSegmentSum (wasm)';
  if (x.dtype !== 'float32' && x.dtype !== 'int32') throw new Error(`${what}: x must be float32 or int32, got ${x.dtype}`);
  if (segmentIds.dtype !== 'int32') throw new Error(`${what}: segmentIds must be int32, got ${segmentIds.dtype}`);
  const idShape = segmentIds.shape;
  if (idShape.length > x.shape.length || idShape.some((d, i) => d !== x.shape[i])) {
    throw new Error(`${what}: the shape of segmentIds [${idShape}] must be a prefix of x's shape [${x.shape}]`);
  }
  if (!Number.isInteger(numSegments) || numSegments < 0) throw new Error(`${what}: numSegments must be a whole number ≥ 0, got ${numSegments}`);
  const backend = args.backend as WasmBackendHeap;
  const rest = x.shape.slice(idShape.length);
  const { fns } = kernelsFor(backend);
  const out = backend.makeOutput([numSegments, ...rest], x.dtype);
  const sum = x.dtype === 'float32' ? fns.segment_sum_f32 : fns.segment_sum_i32;
  sum(size(idShape), size(rest), heapOffset(backend, x), heapOffset(backend, segmentIds), numSegments, heapOffset(backend, out));
  return out;
}

/**
 * Registers agon's `UnsortedSegmentSum` on wasm, in place of any kernel registered before it
 * (idempotent). It sums float32 or int32 x over int32 segment ids whose shape is a prefix of x's
 * (the rows are x's leading axes flattened), skipping ids outside [0, numSegments); any other
 * dtype or shape throws an error that says what was expected.
 *
 * @example
 * ```ts
 * registerWasmSegmentSum();
 * tf.unsortedSegmentSum(dy, ids, 512); // [2048, 64] rows into [512, 64]: the embedding's gradient
 * ```
 */
export function registerWasmSegmentSum(): void {
  replaceKernel(tf.UnsortedSegmentSum, 'wasm', unsortedSegmentSum);
}
