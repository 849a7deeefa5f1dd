/**
 * The GELU kernels for the CPU-side backends: `AgonGelu` (y = GELU(x), attr form 'tanh' or
 * 'exact') and `AgonGeluGrad` (dx). On wasm, native/gelu.c (128-bit SIMD) in place on the
 * backend's heap; on cpu, math.ts over its arrays. One pass replaces the composed form's five to
 * six elementwise ops forward and their gradients backward.
 */
import * as tf from '@tensorflow/tfjs-core';
import { hostArrays, type HostBackend } from '../host-arrays.js';
import { kernelInput, registerOnce, type KernelArgs } from '../registry.js';
import { onHeap, type WasmBackendHeap } from '../wasm/module.js';
import { geluBackward, geluForward, type GeluForm } from './math.js';

/** Name of the forward kernel: input x; attr form; output y. */
export const GELU_KERNEL = 'AgonGelu';
/** Name of the backward kernel: inputs dy, x; attr form; output dx. */
export const GELU_GRAD_KERNEL = 'AgonGeluGrad';
/** Backends that have these kernels. */
export const GELU_BACKENDS = ['cpu', 'wasm'] as const;

const input = (inputs: tf.NamedTensorInfoMap, name: string) => kernelInput(inputs, name, GELU_KERNEL);
const formOf = (attrs: tf.NamedAttrMap | undefined) => (attrs as { form: GeluForm }).form;
const size = (t: tf.TensorInfo) => t.shape.reduce((a, b) => a * b, 1);

function forwardCpu({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo {
  const x = input(inputs, 'x');
  const io = hostArrays(backend as HostBackend, [x], [x.shape], GELU_KERNEL);
  geluForward(io.ins[0] as Float32Array, formOf(attrs), io.outArrays[0]);
  return io.finish()[0];
}

function gradCpu({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo {
  const [dy, x] = [input(inputs, 'dy'), input(inputs, 'x')];
  const io = hostArrays(backend as HostBackend, [dy, x], [x.shape], GELU_GRAD_KERNEL);
  const [dya, xa] = io.ins as Float32Array[];
  geluBackward(dya, xa, formOf(attrs), io.outArrays[0]);
  return io.finish()[0];
}

function forwardWasm({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo {
  const x = input(inputs, 'x');
  const exact = formOf(attrs) === 'exact' ? 1 : 0;
  return onHeap(backend as WasmBackendHeap, [x], [x.shape], (fns, [px], [py]) => fns.gelu_f32(size(x), exact, px, py))[0];
}

function gradWasm({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo {
  const [dy, x] = [input(inputs, 'dy'), input(inputs, 'x')];
  const exact = formOf(attrs) === 'exact' ? 1 : 0;
  return onHeap(backend as WasmBackendHeap, [dy, x], [x.shape], (fns, [pdy, px], [pdx]) => fns.gelu_grad_f32(size(x), exact, pdy, px, pdx))[0];
}

/**
 * Registers both kernels on cpu and wasm (idempotent).
 *
 * @example
 * ```ts
 * registerGeluKernels();
 * tf.getKernel('AgonGelu', 'wasm'); // defined
 * ```
 */
export function registerGeluKernels(): void {
  registerOnce(GELU_KERNEL, GELU_BACKENDS, { cpu: forwardCpu, wasm: forwardWasm });
  registerOnce(GELU_GRAD_KERNEL, GELU_BACKENDS, { cpu: gradCpu, wasm: gradWasm });
}
