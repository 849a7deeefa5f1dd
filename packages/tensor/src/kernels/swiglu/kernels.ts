/**
 * The SwiGLU kernels for the CPU-side backends: `AgonSwiGlu` (y = silu(gate)·up) and
 * `AgonSwiGluGrad` (dgate, dup). On wasm, native/swiglu.c (128-bit SIMD) in place on the
 * backend's heap; on cpu, math.ts over its arrays. One pass over the data replaces Sigmoid and two
 * Multiply forward, and about eight elementwise ops backward.
 */
import * as tf from '@tensorflow/tfjs-core';
import { hostArrays, type HostBackend } from '../host-arrays.js';
import { kernelInput, registerOnce, type KernelArgs } from '../registry.js';
import { onHeap, type WasmBackendHeap } from '../wasm/module.js';
import { swiGluBackward, swiGluForward } from './math.js';

/** Name of the forward kernel: inputs gate, up (same shape); output y (one tensor). */
export const SWIGLU_KERNEL = 'AgonSwiGlu';
/** Name of the backward kernel: inputs dy, gate, up; outputs dgate, dup. */
export const SWIGLU_GRAD_KERNEL = 'AgonSwiGluGrad';
/** Backends that have these kernels. */
export const SWIGLU_BACKENDS = ['cpu', 'wasm'] as const;

const input = (inputs: tf.NamedTensorInfoMap, name: string) => kernelInput(inputs, name, SWIGLU_KERNEL);
const size = (t: tf.TensorInfo) => t.shape.reduce((a, b) => a * b, 1);

function forwardCpu({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const [g, u] = [input(inputs, 'gate'), input(inputs, 'up')];
  const io = hostArrays(backend as HostBackend, [g, u], [g.shape], SWIGLU_KERNEL);
  const [ga, ua] = io.ins as Float32Array[];
  swiGluForward(ga, ua, io.outArrays[0]);
  return io.finish()[0];
}

function gradCpu({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const [dy, g, u] = ['dy', 'gate', 'up'].map((n) => input(inputs, n));
  const io = hostArrays(backend as HostBackend, [dy, g, u], [g.shape, g.shape], SWIGLU_GRAD_KERNEL);
  const [dya, ga, ua] = io.ins as Float32Array[];
  swiGluBackward(dya, ga, ua, io.outArrays[0], io.outArrays[1]);
  return io.finish();
}

function forwardWasm({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const [g, u] = [input(inputs, 'gate'), input(inputs, 'up')];
  return onHeap(backend as WasmBackendHeap, [g, u], [g.shape], (fns, [pg, pu], [py]) => fns.swiglu_f32(size(g), pg, pu, py))[0];
}

function gradWasm({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const [dy, g, u] = ['dy', 'gate', 'up'].map((n) => input(inputs, n));
  return onHeap(backend as WasmBackendHeap, [dy, g, u], [g.shape, g.shape], (fns, [pdy, pg, pu], [pdg, pdu]) =>
    fns.swiglu_grad_f32(size(g), pdy, pg, pu, pdg, pdu),
  );
}

/**
 * Registers both kernels on cpu and wasm (idempotent).
 *
 * @example
 * ```ts
 * registerSwiGluKernels();
 * tf.getKernel('AgonSwiGlu', 'wasm'); // defined
 * ```
 */
export function registerSwiGluKernels(): void {
  registerOnce(SWIGLU_KERNEL, SWIGLU_BACKENDS, { cpu: forwardCpu, wasm: forwardWasm });
  registerOnce(SWIGLU_GRAD_KERNEL, SWIGLU_BACKENDS, { cpu: gradCpu, wasm: gradWasm });
}
