/**
 * The token log-prob kernels for the CPU-side backends: `AgonTokenLogprobs` (logits [N, V] and
 * int32 targets [N] → log-prob, entropy and log-sum-exp, each [N]) and `AgonTokenLogprobsGrad`
 * (→ d logits [N, V]), run on host memory by math.ts, in place on the wasm heap. They replace
 * tfjs' max/sub/exp/sum/log, the flat-index gather, and in the backward pass the one-hot built
 * by broadcasting `equal` (≈ 30% of a stories260K training step on wasm before them).
 */
import * as tf from '@tensorflow/tfjs-core';
import { hostArrays, type HostBackend } from '../host-arrays.js';
import { tokenLogprobsBackward, tokenLogprobsForward } from './math.js';

/** Name of the forward kernel: inputs logits [N, V], targets [N] int32; outputs lp, entropy, logZ [N]. */
export const TOKEN_LOGPROBS_KERNEL = 'AgonTokenLogprobs';
/** Name of the backward kernel: inputs logits, targets, logZ, entropy, dLp, dEnt and optionally dLogZ; output d logits. */
export const TOKEN_LOGPROBS_GRAD_KERNEL = 'AgonTokenLogprobsGrad';
/** Backends that have these kernels. */
export const TOKEN_LOGPROBS_BACKENDS = ['cpu', 'wasm'] as const;

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown };

function input(inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  const t = (inputs as Record<string, tf.TensorInfo | undefined>)[name];
  if (!t) throw new Error(`${TOKEN_LOGPROBS_KERNEL}: missing input '${name}'`);
  return t;
}

function forwardKernel({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const [logits, targets] = [input(inputs, 'logits'), input(inputs, 'targets')];
  const [N, V] = logits.shape;
  const io = hostArrays(backend as HostBackend, [logits, targets], [[N], [N], [N]], TOKEN_LOGPROBS_KERNEL);
  const z = io.ins[0] as Float32Array;
  const ids = io.ints[1] as Int32Array;
  tokenLogprobsForward(z, ids, V, io.outArrays[0], io.outArrays[1], io.outArrays[2]);
  return io.finish();
}

function gradKernel({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const names = ['logits', 'targets', 'logZ', 'entropy', 'dLp', 'dEnt'];
  const ts = names.map((n) => input(inputs, n));
  const dLogZ = (inputs as Record<string, tf.TensorInfo | undefined>).dLogZ;
  const io = hostArrays(backend as HostBackend, [...ts, dLogZ], [ts[0].shape], TOKEN_LOGPROBS_GRAD_KERNEL);
  const [z, , logZ, ent, dLp, dEnt, dZ] = io.ins as Float32Array[];
  const ids = io.ints[1] as Int32Array;
  tokenLogprobsBackward(z, ids, logZ, ent, dLp, dEnt, dZ, ts[0].shape[1], io.outArrays[0]);
  return io.finish();
}

/**
 * Registers both kernels on cpu and wasm (idempotent).
 *
 * @example
 * ```ts
 * registerTokenLogprobsKernels();
 * tf.getKernel('AgonTokenLogprobs', 'wasm'); // defined
 * ```
 */
export function registerTokenLogprobsKernels(): void {
  for (const backendName of TOKEN_LOGPROBS_BACKENDS) {
    if (!tf.getKernel(TOKEN_LOGPROBS_KERNEL, backendName)) tf.registerKernel({ kernelName: TOKEN_LOGPROBS_KERNEL, backendName, kernelFunc: forwardKernel as unknown as tf.KernelFunc });
    if (!tf.getKernel(TOKEN_LOGPROBS_GRAD_KERNEL, backendName)) tf.registerKernel({ kernelName: TOKEN_LOGPROBS_GRAD_KERNEL, backendName, kernelFunc: gradKernel as unknown as tf.KernelFunc });
  }
}
