/**
 * The fused attention kernels for the CPU-side backends: `AgonAttention` (outputs o and lse) and
 * `AgonAttentionGrad` (dq, dk, dv), run on host memory by math.ts. On wasm they read and write
 * the backend's heap in place (no copies); on cpu they use its arrays.
 */
import * as tf from '@tensorflow/tfjs-core';
import { hostArrays, type HostBackend } from '../host-arrays.js';
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

/** Input `name` of a kernel call, which must be there. */
function need<T>(x: T | undefined, name: string): T {
  if (x === undefined) throw new Error(`AgonAttention: missing input '${name}'`);
  return x;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown };

function forwardKernel({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo[] {
  const ins = inputs as Record<string, tf.TensorInfo | undefined>;
  const [q, k, v] = (['q', 'k', 'v'] as const).map((n) => need(ins[n], n));
  const d = dims(q, k, ins.mask);
  const io = hostArrays(backend as HostBackend, [q, k, v, ins.mask], [q.shape, [d.B, d.H, d.T]], ATTENTION_KERNEL);
  const [qa, ka, va] = [0, 1, 2].map((i) => need(io.ins[i], 'q/k/v'));
  attentionForward(d, qa, ka, va, io.ins[3], (attrs as { scale: number }).scale, io.outArrays[0], io.outArrays[1]);
  return io.finish();
}

function gradKernel({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo[] {
  const ins = inputs as Record<string, tf.TensorInfo | undefined>;
  const [dy, q, k, v, o, lse] = (['dy', 'q', 'k', 'v', 'o', 'lse'] as const).map((n) => need(ins[n], n));
  const d = dims(q, k, ins.mask);
  const io = hostArrays(backend as HostBackend, [dy, q, k, v, o, lse, ins.mask], [q.shape, k.shape, v.shape], ATTENTION_GRAD_KERNEL);
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
  for (const backendName of ATTENTION_BACKENDS) {
    if (!tf.getKernel(ATTENTION_KERNEL, backendName)) tf.registerKernel({ kernelName: ATTENTION_KERNEL, backendName, kernelFunc: forwardKernel as unknown as tf.KernelFunc });
    if (!tf.getKernel(ATTENTION_GRAD_KERNEL, backendName)) tf.registerKernel({ kernelName: ATTENTION_GRAD_KERNEL, backendName, kernelFunc: gradKernel as unknown as tf.KernelFunc });
  }
}
