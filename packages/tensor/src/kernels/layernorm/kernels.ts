/**
 * The LayerNorm kernels for the CPU-side backends: `AgonLayerNorm` (outputs y and each row's mean
 * and reciprocal standard deviation) and `AgonLayerNormGrad` (dx, dw, db): on wasm
 * native/layernorm.c (128-bit SIMD) in place on the heap, on cpu math.ts over its arrays. One call
 * replaces the eight tfjs ops of the composed form.
 */
import * as tf from '@tensorflow/tfjs-core';
import { hostArrays, type HostBackend } from '../host-arrays.js';
import { kernelInput, registerOnce, type KernelArgs } from '../registry.js';
import { onHeap, type WasmBackendHeap } from '../wasm/module.js';
import { layerNormBackward, layerNormForward } from './math.js';

/** Name of the forward kernel: inputs x [..., D], w [D], b [D]; attr eps; outputs y, mean, rstd [rows]. */
export const LAYERNORM_KERNEL = 'AgonLayerNorm';
/** Name of the backward kernel: inputs dy, x, w, mean, rstd; outputs dx, dw, db. */
export const LAYERNORM_GRAD_KERNEL = 'AgonLayerNormGrad';
/** Backends that have these kernels. */
export const LAYERNORM_BACKENDS = ['cpu', 'wasm'] as const;

const input = (inputs: tf.NamedTensorInfoMap, name: string, kernel: string) => kernelInput(inputs, name, kernel);

function forwardCpu({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo[] {
  const [x, w, b] = ['x', 'w', 'b'].map((n) => input(inputs, n, LAYERNORM_KERNEL));
  const D = w.shape[0];
  const rows = x.shape.reduce((p, q) => p * q, 1) / D;
  const io = hostArrays(backend as HostBackend, [x, w, b], [x.shape, [rows], [rows]], LAYERNORM_KERNEL);
  const [xa, wa, ba] = io.ins as Float32Array[];
  layerNormForward(xa, wa, ba, D, (attrs as { eps: number }).eps, io.outArrays[0], io.outArrays[1], io.outArrays[2]);
  return io.finish();
}

function gradCpu({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const [dy, x, w, mean, rstd] = ['dy', 'x', 'w', 'mean', 'rstd'].map((n) => input(inputs, n, LAYERNORM_GRAD_KERNEL));
  const io = hostArrays(backend as HostBackend, [dy, x, w, mean, rstd], [x.shape, w.shape, w.shape], LAYERNORM_GRAD_KERNEL);
  const [dya, xa, wa, ma, ra] = io.ins as Float32Array[];
  layerNormBackward(dya, xa, wa, ma, ra, w.shape[0], io.outArrays[0], io.outArrays[1], io.outArrays[2]);
  return io.finish();
}

function forwardWasm({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo[] {
  const [x, w, b] = ['x', 'w', 'b'].map((n) => input(inputs, n, LAYERNORM_KERNEL));
  const D = w.shape[0];
  const rows = x.shape.reduce((p, q) => p * q, 1) / D;
  const eps = (attrs as { eps: number }).eps;
  return onHeap(backend as WasmBackendHeap, [x, w, b], [x.shape, [rows], [rows]], (fns, [px, pw, pb], [py, pm, pr]) =>
    fns.layernorm_f32(rows, D, px, pw, pb, eps, py, pm, pr),
  );
}

function gradWasm({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const [dy, x, w, mean, rstd] = ['dy', 'x', 'w', 'mean', 'rstd'].map((n) => input(inputs, n, LAYERNORM_GRAD_KERNEL));
  const D = w.shape[0];
  const rows = mean.shape[0];
  return onHeap(backend as WasmBackendHeap, [dy, x, w, mean, rstd], [x.shape, w.shape, w.shape], (fns, [pdy, px, pw, pm, pr], [pdx, pdw, pdb]) =>
    fns.layernorm_grad_f32(rows, D, pdy, px, pw, pm, pr, pdx, pdw, pdb),
  );
}

/**
 * Registers both kernels on cpu and wasm (idempotent).
 *
 * @example
 * ```ts
 * registerLayerNormKernels();
 * tf.getKernel('AgonLayerNorm', 'wasm'); // defined
 * ```
 */
export function registerLayerNormKernels(): void {
  registerOnce(LAYERNORM_KERNEL, LAYERNORM_BACKENDS, { cpu: forwardCpu, wasm: forwardWasm });
  registerOnce(LAYERNORM_GRAD_KERNEL, LAYERNORM_BACKENDS, { cpu: gradCpu, wasm: gradWasm });
}
