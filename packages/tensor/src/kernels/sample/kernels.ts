/**
 * The `AgonSampleTokens` kernel on the CPU-side backends: every row of the logits sampled by
 * math.ts in float64, reading the logits and draws in place on the wasm heap (on cpu, the
 * backend's arrays) and writing the [B, 3] result there; on wasm its exponentials run in
 * native/sample.c with the same bits. Decoding then reads back 3 numbers a row
 * instead of the whole vocabulary.
 */
import * as tf from '@tensorflow/tfjs-core';
import { hostArrays, type HostBackend } from '../host-arrays.js';
import { registerOnce, type KernelArgs } from '../registry.js';
import { kernelsFor, type WasmBackendHeap } from '../wasm/module.js';
import { sampleRows, type ExpRowSum, type SampleAttrs } from './math.js';

/**
 * Name of the kernel: inputs logits [B, V] float32, draws [B, 2] int32; attrs temperature, topK,
 * topP, minP; output [B, 3] float32 (id, model log-prob, sampling log-prob).
 */
export const SAMPLE_KERNEL = 'AgonSampleTokens';
/** The CPU-side backends registered here. */
export const SAMPLE_HOST_BACKENDS = ['cpu', 'wasm'] as const;

/** Each wasm backend's row scratch on its heap: byte offset and capacity in doubles. */
const heapScratch = new WeakMap<object, { ptr: number; doubles: number }>();

/**
 * On wasm the row exponentials run in native/sample.c (two float64 lanes, the same bits as
 * math.ts' loop) and write into a scratch on the heap, and a greedy row's arg-max runs there too. Allocates before any view is taken
 * (malloc may grow the heap, which detaches views).
 */
function wasmNative(backend: WasmBackendHeap, V: number): () => { exps: ExpRowSum; probs: Float64Array; rowMax: (row: Float32Array) => number } {
  const { fns } = kernelsFor(backend);
  let s = heapScratch.get(backend);
  if (!s || s.doubles < V) {
    if (s) backend.wasm._free(s.ptr);
    s = { ptr: backend.wasm._malloc(V * 8) >>> 0, doubles: V };
    heapScratch.set(backend, s);
  }
  const { ptr } = s;
  return () => {
    const probs = new Float64Array(backend.wasm.HEAPU8.buffer, ptr, V);
    const exps: ExpRowSum = (row, max, temperature, p) =>
      fns.exp_shifted_f64(row.length, (row as Float32Array).byteOffset, max, temperature, p ? p.byteOffset : 0);
    return { exps, probs, rowMax: (row: Float32Array) => fns.row_max_f32(row.length, row.byteOffset) };
  };
}

function sampleKernel({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo {
  const { logits, draws } = inputs as Record<string, tf.TensorInfo | undefined>;
  if (!logits || !draws) throw new Error(`${SAMPLE_KERNEL}: needs inputs 'logits' and 'draws'`);
  const [B, V] = logits.shape;
  const heap = (backend as Partial<WasmBackendHeap>).wasm ? wasmNative(backend as WasmBackendHeap, V) : undefined;
  const io = hostArrays(backend as HostBackend, [logits, draws], [[B, 3]], SAMPLE_KERNEL);
  const [l, d] = [io.ins[0], io.ints[1]];
  if (!l || !d) throw new Error(`${SAMPLE_KERNEL}: logits must be float32 and draws int32; got ${logits.dtype} and ${draws.dtype}`);
  sampleRows(l, d, V, attrs as unknown as SampleAttrs, io.outArrays[0], heap?.());
  return io.finish()[0];
}

/**
 * Registers `AgonSampleTokens` on cpu and wasm (idempotent).
 *
 * @example
 * ```ts
 * registerSampleKernels();
 * tf.getKernel('AgonSampleTokens', 'wasm'); // defined
 * ```
 */
export function registerSampleKernels(): void {
  registerOnce(SAMPLE_KERNEL, SAMPLE_HOST_BACKENDS, sampleKernel);
}
