/**
 * The AdamW update as one kernel on the CPU-side backends, `AgonAdamW`: inputs x, g, m, v (one
 * variable's weights, gradient and moments, same shape), outputs x', m', v'. On wasm
 * native/adamw.c (128-bit SIMD), on cpu a loop rounding each operation to float32 — both the
 * float32 operations of the composed form in its order, so the update is bit for bit what tfjs'
 * ops give, in one dispatch instead of fifteen.
 */
import * as tf from '@tensorflow/tfjs-core';
import { hostArrays, type HostBackend } from '../host-arrays.js';
import { kernelInput, registerOnce, type KernelArgs } from '../registry.js';
import { onHeap, type WasmBackendHeap } from '../wasm/module.js';

/** Name of the kernel: inputs x, g, m, v; attrs {@link AdamWCoefficients}; outputs x', m', v'. */
export const ADAMW_KERNEL = 'AgonAdamW';
/** Backends that have it. */
export const ADAMW_BACKENDS = ['cpu', 'wasm'] as const;

/**
 * The step's coefficients, each already rounded to float32 (as tfjs' scalar tensors are):
 * β1, 1 − β1, β2, 1 − β2, the bias corrections c1 = 1 − β1ᵗ and c2 = 1 − β2ᵗ, ε, lr·wd and lr;
 * `decay` 0 skips the weight-decay term.
 *
 * @example
 * ```ts
 * const c: AdamWCoefficients = { b1: 0.9, nb1: 0.1, b2: 0.999, nb2: 0.001, c1: 0.1, c2: 0.001, eps: 1e-8, lrwd: 1e-5, lr: 1e-4, decay: 1 };
 * ```
 */
export interface AdamWCoefficients {
  b1: number;
  nb1: number;
  b2: number;
  nb2: number;
  c1: number;
  c2: number;
  eps: number;
  lrwd: number;
  lr: number;
  decay: number;
}

function operands(inputs: tf.NamedTensorInfoMap): tf.TensorInfo[] {
  return ['x', 'g', 'm', 'v'].map((n) => kernelInput(inputs, n, ADAMW_KERNEL));
}

const f = Math.fround;

/**
 * The update on host arrays, every operation rounded to float32 in the composed form's order.
 *
 * @example
 * ```ts
 * adamwRows(x, g, m, v, coefficients, xOut, mOut, vOut);
 * ```
 */
export function adamwRows(
  x: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, c: AdamWCoefficients,
  xo: Float32Array, mo: Float32Array, vo: Float32Array,
): void {
  for (let i = 0; i < x.length; i++) {
    const gi = g[i];
    const m1 = f(f(c.b1 * m[i]) + f(c.nb1 * gi));
    const v1 = f(f(c.b2 * v[i]) + f(c.nb2 * f(gi * gi)));
    const step = f(f(m1 / c.c1) / f(f(Math.sqrt(f(v1 / c.c2))) + c.eps));
    const dec = c.decay ? f(x[i] - f(c.lrwd * x[i])) : x[i];
    mo[i] = m1;
    vo[i] = v1;
    xo[i] = f(dec - f(c.lr * step));
  }
}

function adamwCpu({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo[] {
  const ts = operands(inputs);
  const io = hostArrays(backend as HostBackend, ts, [ts[0].shape, ts[0].shape, ts[0].shape], ADAMW_KERNEL);
  const [x, g, m, v] = io.ins as Float32Array[];
  adamwRows(x, g, m, v, attrs as unknown as AdamWCoefficients, io.outArrays[0], io.outArrays[1], io.outArrays[2]);
  return io.finish();
}

function adamwWasm({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo[] {
  const ts = operands(inputs);
  const c = attrs as unknown as AdamWCoefficients;
  const n = ts[0].shape.reduce((a, b) => a * b, 1);
  return onHeap(backend as WasmBackendHeap, ts, [ts[0].shape, ts[0].shape, ts[0].shape], (fns, [px, pg, pm, pv], [xo, mo, vo]) =>
    fns.adamw_f32(n, px, pg, pm, pv, c.b1, c.nb1, c.b2, c.nb2, c.c1, c.c2, c.eps, c.lrwd, c.lr, c.decay, xo, mo, vo),
  );
}

/**
 * Registers the kernel on cpu and wasm (idempotent).
 *
 * @example
 * ```ts
 * registerAdamWKernels();
 * tf.getKernel('AgonAdamW', 'wasm'); // defined
 * ```
 */
export function registerAdamWKernels(): void {
  registerOnce(ADAMW_KERNEL, ADAMW_BACKENDS, { cpu: adamwCpu, wasm: adamwWasm });
}
