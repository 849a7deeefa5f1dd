/**
 * The fused attention kernels for the CPU-side backends: `AgonAttention` (outputs o and lse) and
 * `AgonAttentionGrad` (dq, dk, dv), run on host memory by math.ts. On wasm they read and write
 * the backend's heap in place (no copies); on cpu they use its arrays.
 */
import * as tf from '@tensorflow/tfjs-core';
import { hostArrays, type HostBackend } from '../host-arrays.js';
import { kernelInput, registerOnce, type KernelArgs } from '../registry.js';
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

function forwardKernel({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo[] {
  const mask = (inputs as Record<string, tf.TensorInfo | undefined>).mask;
  const [q, k, v] = ['q', 'k', 'v'].map((n) => input(inputs, n));
  const d = dims(q, k, mask);
  const io = hostArrays(backend as HostBackend, [q, k, v, mask], [q.shape, [d.B, d.H, d.T]], ATTENTION_KERNEL);
  const [qa, ka, va] = [0, 1, 2].map((i) => need(io.ins[i], 'q/k/v'));
  attentionForward(d, qa, ka, va, io.ins[3], (attrs as { scale: number }).scale, io.outArrays[0], io.outArrays[1]);
  return io.finish();
}

function gradKernel({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo[] {
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
  registerOnce(ATTENTION_KERNEL, ATTENTION_BACKENDS, forwardKernel);
  registerOnce(ATTENTION_GRAD_KERNEL, ATTENTION_BACKENDS, gradKernel);
}
