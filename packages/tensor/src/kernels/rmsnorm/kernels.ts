/**
 * The RMSNorm kernels for the CPU-side backends: `AgonRmsNorm` (outputs y and each row's
 * reciprocal RMS) and `AgonRmsNormGrad` (dx, dw): on wasm native/norm.c (128-bit SIMD) in place on
 * the heap, on cpu math.ts over its arrays. One kernel call replaces the six tfjs ops of the composed form, which matters where
 * per-op dispatch dominates (decoding one token at a time).
 */
import * as tf from '@tensorflow/tfjs-core';
import { hostArrays, type HostBackend } from '../host-arrays.js';
import { kernelInput, registerOnce, type KernelArgs } from '../registry.js';
import { onHeap, type WasmBackendHeap } from '../wasm/module.js';
import { rmsNormBackward, rmsNormForward } from './math.js';

/** Name of the forward kernel: inputs x [..., D], w [D]; attr eps; outputs y, rstd [rows]. */
export const RMSNORM_KERNEL = 'AgonRmsNorm';
/** Name of the backward kernel: inputs dy, x, w, rstd; outputs dx, dw. */
export const RMSNORM_GRAD_KERNEL = 'AgonRmsNormGrad';
/** Backends that have these kernels. */
export const RMSNORM_BACKENDS = ['cpu', 'wasm'] as const;

const input = (inputs: tf.NamedTensorInfoMap, name: string) => kernelInput(inputs, name, RMSNORM_KERNEL);

function forwardCpu({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo[] {
  const [x, w] = [input(inputs, 'x'), input(inputs, 'w')];
  const D = w.shape[0];
  const rows = x.shape.reduce((a, b) => a * b, 1) / D;
  const io = hostArrays(backend as HostBackend, [x, w], [x.shape, [rows]], RMSNORM_KERNEL);
  const [xa, wa] = io.ins as Float32Array[];
  rmsNormForward(xa, wa, D, (attrs as { eps: number }).eps, io.outArrays[0], io.outArrays[1]);
  return io.finish();
}

function gradCpu({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const [dy, x, w, rstd] = ['dy', 'x', 'w', 'rstd'].map((n) => input(inputs, n));
  const io = hostArrays(backend as HostBackend, [dy, x, w, rstd], [x.shape, w.shape], RMSNORM_GRAD_KERNEL);
  const [dya, xa, wa, ra] = io.ins as Float32Array[];
  rmsNormBackward(dya, xa, wa, ra, w.shape[0], io.outArrays[0], io.outArrays[1]);
  return io.finish();
}

function forwardWasm({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo[] {
  const [x, w] = [input(inputs, 'x'), input(inputs, 'w')];
  const D = w.shape[0];
  const rows = x.shape.reduce((a, b) => a * b, 1) / D;
  const eps = (attrs as { eps: number }).eps;
  return onHeap(backend as WasmBackendHeap, [x, w], [x.shape, [rows]], (fns, [px, pw], [py, pr]) => fns.rmsnorm_f32(rows, D, px, pw, eps, py, pr));
}

function gradWasm({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const [dy, x, w, rstd] = ['dy', 'x', 'w', 'rstd'].map((n) => input(inputs, n));
  const D = w.shape[0];
  const rows = rstd.shape[0];
  return onHeap(backend as WasmBackendHeap, [dy, x, w, rstd], [x.shape, w.shape], (fns, [pdy, px, pw, pr], [pdx, pdw]) =>
    fns.rmsnorm_grad_f32(rows, D, pdy, px, pw, pr, pdx, pdw),
  );
}

/**
 * Registers both kernels on cpu and wasm (idempotent).
 *
 * @example
 * ```ts
 * registerRmsNormKernels();
 * tf.getKernel('AgonRmsNorm', 'wasm'); // defined
 * ```
 */
export function registerRmsNormKernels(): void {
  registerOnce(RMSNORM_KERNEL, RMSNORM_BACKENDS, { cpu: forwardCpu, wasm: forwardWasm });
  registerOnce(RMSNORM_GRAD_KERNEL, RMSNORM_BACKENDS, { cpu: gradCpu, wasm: gradWasm });
}
