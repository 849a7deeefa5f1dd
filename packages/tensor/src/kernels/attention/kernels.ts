/**
 * The fused attention kernels for the CPU-side backends: `AgonAttention` (outputs o and lse) and
 * `AgonAttentionGrad` (dq, dk, dv). On wasm native/attention.c (128-bit SIMD) reads and writes
 * the backend's heap in place; on cpu math.ts runs over its arrays.
 */
import * as tf from '@tensorflow/tfjs-core';
import { hostArrays, type HostBackend } from '../host-arrays.js';
import { kernelInput, registerOnce, type KernelArgs } from '../registry.js';
import { heapOffset, kernelsFor, type WasmBackendHeap } from '../wasm/module.js';
import { kernelPool, type KernelPool } from '../wasm/threads.js';
import { attentionOnThreads } from './threads.js';
import { attentionBackward, attentionForward, type AttentionDims } from './math.js';

/** Name of the forward kernel: inputs q, k, v (, mask); attr scale; outputs o, lse. */
export const ATTENTION_KERNEL = 'AgonAttention';
/** Name of the backward kernel: inputs dy, q, k, v, o, lse (, mask); attr scale; outputs dq, dk, dv. */
export const ATTENTION_GRAD_KERNEL = 'AgonAttentionGrad';
/** Backends that have these kernels. */
export const ATTENTION_BACKENDS = ['cpu', 'wasm'] as const;

function dims(q: tf.TensorInfo, k: tf.TensorInfo, mask: tf.TensorInfo | undefined): AttentionDims {
  const [B, T, H, D] = q.shape;
  const [, Hkv, Tk] = k.shape;
  return { B, T, H, Hkv, Tk, D, Bm: mask ? mask.shape[0] : 0, Hm: mask ? mask.shape[1] : 0 };
}

const input = (inputs: tf.NamedTensorInfoMap, name: string) => kernelInput(inputs, name, ATTENTION_KERNEL);

/** The float32 host view of an input (absent for an int32 one). */
function need<T>(x: T | undefined, name: string): T {
  if (x === undefined) throw new Error(`${ATTENTION_KERNEL}: missing input '${name}'`);
  return x;
}

function forwardCpu({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo[] {
  const mask = (inputs as Record<string, tf.TensorInfo | undefined>).mask;
  const [q, k, v] = ['q', 'k', 'v'].map((n) => input(inputs, n));
  const d = dims(q, k, mask);
  const io = hostArrays(backend as HostBackend, [q, k, v, mask], [q.shape, [d.B, d.H, d.T]], ATTENTION_KERNEL);
  const [qa, ka, va] = [0, 1, 2].map((i) => need(io.ins[i], 'q/k/v'));
  attentionForward(d, qa, ka, va, io.ins[3], (attrs as { scale: number }).scale, io.outArrays[0], io.outArrays[1]);
  return io.finish();
}

function gradCpu({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo[] {
  const mask = (inputs as Record<string, tf.TensorInfo | undefined>).mask;
  const [dy, q, k, v, o, lse] = ['dy', 'q', 'k', 'v', 'o', 'lse'].map((n) => input(inputs, n));
  const d = dims(q, k, mask);
  const io = hostArrays(backend as HostBackend, [dy, q, k, v, o, lse, mask], [q.shape, k.shape, v.shape], ATTENTION_GRAD_KERNEL);
  const [dya, qa, ka, va, oa, la] = [0, 1, 2, 3, 4, 5].map((i) => need(io.ins[i], 'dy/q/k/v/o/lse'));
  const [dq, dk, dv] = io.outArrays;
  attentionBackward(d, qa, ka, va, io.ins[6], (attrs as { scale: number }).scale, oa, la, dya, dq, dk, dv);
  return io.finish();
}

/**
 * Runs `call` with the byte offsets of the mask's spans (3 int32 a mask row; 0 without a mask)
 * and of the C kernels' scratch, both taken from the backend's heap for the call.
 */
function withScratch(backend: WasmBackendHeap, d: AttentionDims, mask: tf.TensorInfo | undefined, call: (spans: number, scratch: number) => void): void {
  const { fns } = kernelsFor(backend);
  const rows = mask ? d.Bm * d.Hm * d.T : 0;
  // 16 bytes of slack: the scratch rows are loaded as 16-byte vectors from an aligned start.
  const scratchBytes = fns.attention_scratch_floats(d.Tk, d.D) * 4 + 16;
  const base = backend.wasm._malloc(rows * 12 + scratchBytes) >>> 0;
  try {
    const spans = base;
    const scratch = (spans + rows * 12 + 15) & ~15;
    if (mask) fns.attention_spans(rows, d.Tk, heapOffset(backend, mask), spans);
    call(mask ? spans : 0, scratch);
  } finally {
    backend.wasm._free(base);
  }
}

/**
 * The kernel threads when this call is worth splitting: at least two units of work (a thread
 * beyond the units gets none), and about as many flops (4·B·H·T·Tk·D before the mask's savings)
 * as a product the GEMM would split.
 */
function threadsFor(d: AttentionDims, units: number): KernelPool | undefined {
  const pool = kernelPool();
  if (!pool || units < 2 || 4 * d.B * d.H * d.T * d.Tk * d.D < pool.minFlops) return undefined;
  return pool;
}

function forwardWasm({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo[] {
  const mask = (inputs as Record<string, tf.TensorInfo | undefined>).mask;
  const [q, k, v] = ['q', 'k', 'v'].map((n) => input(inputs, n));
  const d = dims(q, k, mask);
  const wb = backend as WasmBackendHeap;
  const { fns } = kernelsFor(wb);
  const o = wb.makeOutput(q.shape, 'float32');
  const lse = wb.makeOutput([d.B, d.H, d.T], 'float32');
  const scale = (attrs as { scale: number }).scale;
  const call = (p: number[], mp: number, spans: number, o: number, lse: number, scratch: number, u0: number, u1: number) =>
    [d.B, d.T, d.H, d.Hkv, d.Tk, d.D, p[0], p[1], p[2], mp, d.Bm, d.Hm, spans, scale, o, lse, scratch, u0, u1];
  const pool = threadsFor(d, d.B * d.H);
  if (pool && attentionOnThreads(pool, wb, d, 'attention_f32', [q, k, v], mask, [o, lse], d.B * d.H, (at, scratch, u0, u1) =>
    call(at.ins, at.ins[3], at.spans, at.outs[0], at.outs[1], scratch, u0, u1))) {
    return [o, lse];
  }
  const at = (t: tf.TensorInfo | undefined) => (t ? heapOffset(wb, t) : 0);
  withScratch(wb, d, mask, (spans, scratch) =>
    (fns.attention_f32 as (...a: number[]) => void)(...call([at(q), at(k), at(v)], at(mask), spans, at(o), at(lse), scratch, 0, d.B * d.H)),
  );
  return [o, lse];
}

function gradWasm({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo[] {
  const mask = (inputs as Record<string, tf.TensorInfo | undefined>).mask;
  const [dy, q, k, v, o, lse] = ['dy', 'q', 'k', 'v', 'o', 'lse'].map((n) => input(inputs, n));
  const d = dims(q, k, mask);
  const wb = backend as WasmBackendHeap;
  const { fns } = kernelsFor(wb);
  const outs = [q.shape, k.shape, v.shape].map((s) => wb.makeOutput(s, 'float32'));
  const scale = (attrs as { scale: number }).scale;
  // Inputs in the order q, k, v, o, lse, dy; outputs dq, dk, dv.
  const call = (p: number[], mp: number, spans: number, g: number[], scratch: number, u0: number, u1: number) =>
    [d.B, d.T, d.H, d.Hkv, d.Tk, d.D, p[0], p[1], p[2], mp, d.Bm, d.Hm, spans, scale, p[3], p[4], p[5], g[0], g[1], g[2], scratch, u0, u1];
  const pool = threadsFor(d, d.B * d.Hkv);
  if (pool && attentionOnThreads(pool, wb, d, 'attention_grad_f32', [q, k, v, o, lse, dy], mask, outs, d.B * d.Hkv, (at, scratch, u0, u1) =>
    call(at.ins, at.ins[6], at.spans, at.outs, scratch, u0, u1))) {
    return outs;
  }
  const at = (t: tf.TensorInfo | undefined) => (t ? heapOffset(wb, t) : 0);
  withScratch(wb, d, mask, (spans, scratch) =>
    (fns.attention_grad_f32 as (...a: number[]) => void)(...call([q, k, v, o, lse, dy].map(at), at(mask), spans, outs.map(at), scratch, 0, d.B * d.Hkv)),
  );
  return outs;
}

/**
 * Registers both kernels on cpu and wasm (idempotent; a backend not loaded yet is fine: tfjs keys
 * kernels by name).
 *
 * @example
 * ```ts
 * registerAttentionKernels();
 * tf.getKernel('AgonAttention', 'wasm'); // defined
 * ```
 */
export function registerAttentionKernels(): void {
  registerOnce(ATTENTION_KERNEL, ATTENTION_BACKENDS, { cpu: forwardCpu, wasm: forwardWasm });
  registerOnce(ATTENTION_GRAD_KERNEL, ATTENTION_BACKENDS, { cpu: gradCpu, wasm: gradWasm });
}
