/**
 * The token log-prob kernels for the CPU-side backends: `AgonTokenLogprobs` (logits [N, V] and
 * int32 targets [N] → log-prob, entropy and log-sum-exp, each [N]) and `AgonTokenLogprobsGrad`
 * (→ d logits [N, V]): on wasm native/logprobs.c (128-bit SIMD, float64 row sums) in place on
 * the backend's heap, on cpu math.ts over its arrays. They replace
 * tfjs' max/sub/exp/sum/log, the flat-index gather, and in the backward pass the one-hot built
 * by broadcasting `equal` (≈ 30% of a stories260K training step on wasm before them).
 */
import * as tf from '@tensorflow/tfjs-core';
import { hostArrays, type HostBackend } from '../host-arrays.js';
import { kernelInput, registerOnce, type KernelArgs } from '../registry.js';
import { heapOffset, onHeap, type WasmBackendHeap } from '../wasm/module.js';
import { checkTargets, tokenLogprobsBackward, tokenLogprobsForward } from './math.js';

/** Name of the forward kernel: inputs logits [N, V], targets [N] int32; outputs lp, entropy, logZ [N]. */
export const TOKEN_LOGPROBS_KERNEL = 'AgonTokenLogprobs';
/** Name of the backward kernel: inputs logits, targets, logZ, entropy, dLp, dEnt and optionally dLogZ; output d logits. */
export const TOKEN_LOGPROBS_GRAD_KERNEL = 'AgonTokenLogprobsGrad';
/** Backends that have these kernels. */
export const TOKEN_LOGPROBS_BACKENDS = ['cpu', 'wasm'] as const;

const input = (inputs: tf.NamedTensorInfoMap, name: string) => kernelInput(inputs, name, TOKEN_LOGPROBS_KERNEL);

function forwardCpu({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const [logits, targets] = [input(inputs, 'logits'), input(inputs, 'targets')];
  const [N, V] = logits.shape;
  const io = hostArrays(backend as HostBackend, [logits, targets], [[N], [N], [N]], TOKEN_LOGPROBS_KERNEL);
  const z = io.ins[0] as Float32Array;
  const ids = io.ints[1] as Int32Array;
  checkTargets(ids, V);
  tokenLogprobsForward(z, ids, V, io.outArrays[0], io.outArrays[1], io.outArrays[2]);
  return io.finish();
}

function gradCpu({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const names = ['logits', 'targets', 'logZ', 'entropy', 'dLp', 'dEnt'];
  const ts = names.map((n) => input(inputs, n));
  const dLogZ = (inputs as Record<string, tf.TensorInfo | undefined>).dLogZ;
  const io = hostArrays(backend as HostBackend, [...ts, dLogZ], [ts[0].shape], TOKEN_LOGPROBS_GRAD_KERNEL);
  const [z, , logZ, ent, dLp, dEnt, dZ] = io.ins as Float32Array[];
  const ids = io.ints[1] as Int32Array;
  checkTargets(ids, ts[0].shape[1]);
  tokenLogprobsBackward(z, ids, logZ, ent, dLp, dEnt, dZ, ts[0].shape[1], io.outArrays[0]);
  return io.finish();
}

/** The targets on the wasm heap, checked to be ids in [0, V) before the C kernel indexes with them. */
function checkedTargets(backend: WasmBackendHeap, targets: tf.TensorInfo, V: number): void {
  const N = targets.shape[0];
  checkTargets(new Int32Array(backend.wasm.HEAPU8.buffer, heapOffset(backend, targets), N), V);
}

function forwardWasm({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const [logits, targets] = [input(inputs, 'logits'), input(inputs, 'targets')];
  const [N, V] = logits.shape;
  const b = backend as WasmBackendHeap;
  checkedTargets(b, targets, V);
  return onHeap(b, [logits, targets], [[N], [N], [N]], (fns, [pz, pt], [plp, pent, plz]) => fns.token_logprobs_f32(N, V, pz, pt, plp, pent, plz));
}

function gradWasm({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const ts = ['logits', 'targets', 'logZ', 'entropy', 'dLp', 'dEnt'].map((n) => input(inputs, n));
  const dLogZ = (inputs as Record<string, tf.TensorInfo | undefined>).dLogZ;
  const [N, V] = ts[0].shape;
  const b = backend as WasmBackendHeap;
  checkedTargets(b, ts[1], V);
  return onHeap(b, dLogZ ? [...ts, dLogZ] : ts, [[N, V]], (fns, [pz, pt, plz, pent, pdlp, pdent, pdz], [pg]) =>
    fns.token_logprobs_grad_f32(N, V, pz, pt, plz, pent, pdlp, pdent, pdz ?? 0, pg),
  );
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
  registerOnce(TOKEN_LOGPROBS_KERNEL, TOKEN_LOGPROBS_BACKENDS, { cpu: forwardCpu, wasm: forwardWasm });
  registerOnce(TOKEN_LOGPROBS_GRAD_KERNEL, TOKEN_LOGPROBS_BACKENDS, { cpu: gradCpu, wasm: gradWasm });
}
