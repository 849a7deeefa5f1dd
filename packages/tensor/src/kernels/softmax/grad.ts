/**
 * The gradient of `Softmax` (over the last axis) as one kernel on cpu and wasm,
 * `AgonSoftmaxGrad`: dx = y·(dy − Σ dy·y) per row — on wasm native/softmax.c (128-bit SIMD) in
 * place on the heap, on cpu a loop over its arrays. It replaces tfjs' registered gradient, whose
 * multiply, sum, multiply and subtract each pass over the attention scores; other backends keep
 * that formula. On wasm, at stories260K 8×256, those four ops took ~150 ms of a training step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { hostArrays, type HostBackend } from '../host-arrays.js';
import { registerOnce, type KernelArgs } from '../registry.js';
import { onHeap, type WasmBackendHeap } from '../wasm/module.js';

/** Name of the kernel: inputs dy and y (same shape), softmax over the last axis; output dx. */
export const SOFTMAX_GRAD_KERNEL = 'AgonSoftmaxGrad';
/** Backends that have it. */
export const SOFTMAX_GRAD_BACKENDS = ['cpu', 'wasm'] as const;

function operands(inputs: tf.NamedTensorInfoMap): [tf.TensorInfo, tf.TensorInfo, number, number] {
  const { dy, y } = inputs as Record<string, tf.TensorInfo | undefined>;
  if (!dy || !y) throw new Error(`${SOFTMAX_GRAD_KERNEL}: needs inputs dy and y`);
  const n = y.shape[y.shape.length - 1] ?? 1;
  const rows = y.shape.reduce((a, b) => a * b, 1) / n;
  return [dy, y, rows, n];
}

/**
 * dx = y·(dy − Σ dy·y) over rows of n on host arrays, the row sum in float64.
 *
 * @example
 * ```ts
 * const dx = new Float32Array(2);
 * softmaxGradRows(new Float32Array([1, 0]), new Float32Array([0.5, 0.5]), 1, 2, dx); // [0.25, -0.25]
 * ```
 */
export function softmaxGradRows(dy: Float32Array, y: Float32Array, rows: number, n: number, dx: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let s = 0;
    for (let j = 0; j < n; j++) s += dy[o + j] * y[o + j];
    for (let j = 0; j < n; j++) dx[o + j] = y[o + j] * (dy[o + j] - s);
  }
}

function gradCpu({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const [dy, y, rows, n] = operands(inputs);
  const io = hostArrays(backend as HostBackend, [dy, y], [y.shape], SOFTMAX_GRAD_KERNEL);
  softmaxGradRows(io.ins[0] as Float32Array, io.ins[1] as Float32Array, rows, n, io.outArrays[0]);
  return io.finish()[0];
}

function gradWasm({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const [dy, y, rows, n] = operands(inputs);
  return onHeap(backend as WasmBackendHeap, [dy, y], [y.shape], (fns, [pdy, py], [pdx]) => fns.softmax_grad_f32(rows, n, pdy, py, pdx))[0];
}

/**
 * Registers the kernel on cpu and wasm and puts the gradient of `Softmax` that uses it in place
 * of tfjs' (idempotent; call after tfjs' gradients are loaded — `registerGradients` does).
 *
 * @example
 * ```ts
 * await registerGradients(); // loads tfjs' gradients, then this
 * tf.grad((x) => tf.sum(tf.mul(tf.softmax(x), w)))(x); // AgonSoftmaxGrad on cpu and wasm
 * ```
 */
export function registerSoftmaxGradient(): void {
  registerOnce(SOFTMAX_GRAD_KERNEL, SOFTMAX_GRAD_BACKENDS, { cpu: gradCpu, wasm: gradWasm });
  if (tf.getGradient(tf.Softmax)?.gradFunc === softmaxGrad) return;
  tf.registerGradient({ kernelName: tf.Softmax, outputsToSave: [true], gradFunc: softmaxGrad });
}

function softmaxGrad(dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap): Record<string, () => tf.Tensor> {
  const dyT = Array.isArray(dy) ? dy[0] : dy;
  const [y] = saved;
  const dim = (attrs as { dim: number }).dim;
  const lastAxis = dim === -1 || dim === y.rank - 1;
  if (lastAxis && (SOFTMAX_GRAD_BACKENDS as readonly string[]).includes(tf.getBackend())) {
    return { logits: () => tf.engine().runKernel(SOFTMAX_GRAD_KERNEL, { dy: dyT, y }, {}) as tf.Tensor };
  }
  // tfjs' own formula, for the other backends.
  return { logits: () => tf.tidy(() => { const dyTimesY = tf.mul(dyT, y); return tf.sub(dyTimesY, tf.mul(tf.sum(dyTimesY, [dim], true), y)); }) };
}
