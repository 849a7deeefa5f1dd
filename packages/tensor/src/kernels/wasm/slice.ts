/**
 * `Slice` and `SplitV` for tfjs' wasm backend, copying on the heap: each run of elements that is
 * contiguous in both input and output moves with one `copyWithin`. tfjs-backend-wasm 4.22 first
 * reads the whole input out of the heap into a fresh JS buffer (`readSync`) for every slice, so a
 * `SplitV` into n parts copied its input n times and left n buffers for the garbage collector; the
 * gradient of the decoder's stacked gate/up weight (a `SplitV` of a [2·F, C] gradient) took 0.2 to
 * 15 ms a call, depending on when the collector ran. String tensors still go to tfjs' kernels.
 */
import * as tf from '@tensorflow/tfjs-core';
import { replaceKernel, type KernelArgs } from '../registry.js';
import { heapOffset, type WasmBackendHeap } from './module.js';

/** tfjs-backend-wasm's own kernels, run for string tensors. */
let tfjsSlice: tf.KernelConfig | undefined;
let tfjsSplitV: tf.KernelConfig | undefined;

/**
 * The block of `x` starting at `begin` with extent `size` (both already resolved to whole
 * numbers), as a new output on the heap.
 */
function copyBlock(backend: WasmBackendHeap, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  const n = size.reduce((a, b) => a * b, 1);
  if (n === 0) return out;
  const rank = x.shape.length;
  // The innermost axes the block spans whole, plus the first it does not, are one contiguous run.
  let runAxis = Math.max(rank - 1, 0);
  while (runAxis > 0 && size[runAxis] === x.shape[runAxis]) runAxis--;
  const strides = tf.util.computeStrides(x.shape);
  const stride = (d: number): number => (d === rank - 1 ? 1 : strides[d]);
  const run = rank === 0 ? 1 : size[runAxis] * (runAxis === rank - 1 ? 1 : strides[runAxis]);
  const bytes = tf.util.bytesPerElement(x.dtype); // bool: 1, as tfjs' wasm backend stores it
  // Views are taken after the output is made: growing the heap detaches older ones.
  const heap = new Uint8Array(backend.wasm.asm.memory.buffer);
  const src = heapOffset(backend, x);
  let dst = heapOffset(backend, out);
  const first = begin.reduce((acc, b, d) => acc + b * stride(d), 0);
  // An odometer over the axes outside the run, innermost fastest.
  const at = new Array<number>(runAxis).fill(0);
  for (let left = n / run; left > 0; left--) {
    let from = first;
    for (let d = 0; d < runAxis; d++) from += at[d] * stride(d);
    heap.copyWithin(dst, src + from * bytes, src + (from + run) * bytes);
    dst += run * bytes;
    for (let d = runAxis - 1; d >= 0 && ++at[d] === size[d]; d--) at[d] = 0;
  }
  return out;
}

function sliceWasm(args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  if (x.dtype === 'string') return delegate(tfjsSlice, 'Slice', args) as tf.TensorInfo;
  const { begin, size } = args.attrs as { begin: number | number[]; size: number | number[] };
  const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
  tf.slice_util.assertParamsValid(x as tf.Tensor, b, s);
  return copyBlock(args.backend as WasmBackendHeap, x, b, s);
}

function splitVWasm(args: KernelArgs): tf.TensorInfo[] {
  const { x } = args.inputs as { x: tf.TensorInfo };
  if (x.dtype === 'string') return delegate(tfjsSplitV, 'SplitV', args) as tf.TensorInfo[];
  const { numOrSizeSplits, axis } = args.attrs as { numOrSizeSplits: number | number[]; axis: number };
  const at = tf.util.parseAxisParam(axis, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, at);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((part) => {
    const size = x.shape.slice();
    size[at] = part;
    const out = copyBlock(args.backend as WasmBackendHeap, x, begin, size);
    begin[at] += part;
    return out;
  });
}

function delegate(config: tf.KernelConfig | undefined, name: string, args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  if (!config) throw new Error(`${name} (wasm): tfjs-backend-wasm registered no ${name} to run string tensors on`);
  return config.kernelFunc(args as Parameters<tf.KernelFunc>[0]);
}

/**
 * Puts agon's heap-copying `Slice` and `SplitV` in place of tfjs-backend-wasm's (idempotent).
 * They take float32, int32 and bool tensors of any rank; string tensors run tfjs' kernels. The
 * values are tfjs' (the same elements, copied unchanged), without reading the input off the heap.
 *
 * @example
 * ```ts
 * registerWasmSlice();
 * tf.split(grad, [768, 768], 0); // two heap copies of the halves, no read-back of the whole
 * ```
 */
export function registerWasmSlice(): void {
  tfjsSlice = replaceKernel(tf.Slice, 'wasm', sliceWasm);
  tfjsSplitV = replaceKernel(tf.SplitV, 'wasm', splitVWasm);
}
