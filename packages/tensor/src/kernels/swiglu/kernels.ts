/**
 * The SwiGLU kernels for the CPU-side backends: `AgonSwiGlu` (y = silu(gate)·up) and
 * `AgonSwiGluGrad` (dgate, dup). On wasm, native/swiglu.c (128-bit SIMD) in place on the
 * backend's heap; on cpu, math.ts over its arrays. One pass over the data replaces Sigmoid and two
 * Multiply forward, and about eight elementwise ops backward. The packed pair (`AgonSwiGluPacked`,
 * `AgonSwiGluPackedGrad`) takes gate and up side by side in one tensor, as a single product with
 * the two weights stacked gives them, so neither pass slices or concatenates.
 */
import * as tf from '@tensorflow/tfjs-core';
import { hostArrays, type HostBackend } from '../host-arrays.js';
import { kernelInput, registerOnce, type KernelArgs } from '../registry.js';
import { onHeap, type WasmBackendHeap } from '../wasm/module.js';
import { swiGluBackward, swiGluForward, swiGluPackedBackward, swiGluPackedForward } from './math.js';

/** Name of the forward kernel: inputs gate, up (same shape); output y (one tensor). */
export const SWIGLU_KERNEL = 'AgonSwiGlu';
/** Name of the backward kernel: inputs dy, gate, up; outputs dgate, dup. */
export const SWIGLU_GRAD_KERNEL = 'AgonSwiGluGrad';
/** Name of the packed forward kernel: input gu [..., 2F] (F gate values, then F up values); output y [..., F]. */
export const SWIGLU_PACKED_KERNEL = 'AgonSwiGluPacked';
/** Name of the packed backward kernel: inputs dy [..., F], gu [..., 2F]; output dgu [..., 2F]. */
export const SWIGLU_PACKED_GRAD_KERNEL = 'AgonSwiGluPackedGrad';
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

/** The packed input's row width 2F and its output shape [..., F]. */
function packed(gu: tf.TensorInfo): { F: number; rows: number; outShape: number[] } {
  const F = gu.shape[gu.shape.length - 1] / 2;
  return { F, rows: F ? size(gu) / (2 * F) : 0, outShape: [...gu.shape.slice(0, -1), F] };
}

function packedForwardCpu({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const gu = kernelInput(inputs, 'gu', SWIGLU_PACKED_KERNEL);
  const { F, outShape } = packed(gu);
  const io = hostArrays(backend as HostBackend, [gu], [outShape], SWIGLU_PACKED_KERNEL);
  swiGluPackedForward(io.ins[0] as Float32Array, F, io.outArrays[0]);
  return io.finish()[0];
}

function packedGradCpu({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const [dy, gu] = ['dy', 'gu'].map((n) => kernelInput(inputs, n, SWIGLU_PACKED_GRAD_KERNEL));
  const io = hostArrays(backend as HostBackend, [dy, gu], [gu.shape], SWIGLU_PACKED_GRAD_KERNEL);
  const [dya, gua] = io.ins as Float32Array[];
  swiGluPackedBackward(dya, gua, packed(gu).F, io.outArrays[0]);
  return io.finish()[0];
}

function packedForwardWasm({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const gu = kernelInput(inputs, 'gu', SWIGLU_PACKED_KERNEL);
  const { F, rows, outShape } = packed(gu);
  return onHeap(backend as WasmBackendHeap, [gu], [outShape], (fns, [pgu], [py]) => fns.swiglu_packed_f32(rows, F, pgu, py))[0];
}

function packedGradWasm({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const [dy, gu] = ['dy', 'gu'].map((n) => kernelInput(inputs, n, SWIGLU_PACKED_GRAD_KERNEL));
  const { F, rows } = packed(gu);
  return onHeap(backend as WasmBackendHeap, [dy, gu], [gu.shape], (fns, [pdy, pgu], [pdgu]) => fns.swiglu_packed_grad_f32(rows, F, pdy, pgu, pdgu))[0];
}

/**
 * Registers the four kernels (plain and packed, forward and backward) on cpu and wasm (idempotent).
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
  registerOnce(SWIGLU_PACKED_KERNEL, SWIGLU_BACKENDS, { cpu: packedForwardCpu, wasm: packedForwardWasm });
  registerOnce(SWIGLU_PACKED_GRAD_KERNEL, SWIGLU_BACKENDS, { cpu: packedGradCpu, wasm: packedGradWasm });
}
