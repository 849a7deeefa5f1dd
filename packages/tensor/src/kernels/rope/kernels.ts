/**
 * The RoPE kernels for the CPU-side backends: `AgonRope` (the rotation of x by per-position cos
 * and signed sin) and `AgonRopeGrad` (the transpose, i.e. the inverse rotation of dy). On wasm,
 * native/rope.c (128-bit SIMD) in place on the backend's heap; on cpu, math.ts over its arrays.
 * One pass replaces the partner swap (a permutation matMul), two Multiply and an Add, forward and
 * backward.
 */
import * as tf from '@tensorflow/tfjs-core';
import { hostArrays, type HostBackend } from '../host-arrays.js';
import { kernelInput, registerOnce, type KernelArgs } from '../registry.js';
import { onHeap, type WasmBackendHeap } from '../wasm/module.js';
import { ropeApply, type RopeLayout } from './math.js';

/** Name of the forward kernel: inputs x [..., H, D], cos and sin [..., 1, D]; attr layout; output y. */
export const ROPE_KERNEL = 'AgonRope';
/** Name of the backward kernel: inputs dy, cos, sin; attr layout; output dx. */
export const ROPE_GRAD_KERNEL = 'AgonRopeGrad';
/** Backends that have these kernels. */
export const ROPE_BACKENDS = ['cpu', 'wasm'] as const;

const input = (inputs: tf.NamedTensorInfoMap, name: string) => kernelInput(inputs, name, ROPE_KERNEL);

/** The call's tensors (x or dy first), its layout and its geometry. */
function call(kernel: string, { inputs, attrs }: KernelArgs) {
  const x = input(inputs, kernel === ROPE_KERNEL ? 'x' : 'dy');
  const [cos, sin] = [input(inputs, 'cos'), input(inputs, 'sin')];
  const D = x.shape[x.shape.length - 1];
  const heads = x.shape[x.shape.length - 2];
  const rows = x.shape.reduce((a, b) => a * b, 1) / (heads * D);
  return { x, cos, sin, D, heads, rows, layout: (attrs as { layout: RopeLayout }).layout, backward: kernel === ROPE_GRAD_KERNEL };
}

function cpuKernel(kernel: string) {
  return (args: KernelArgs): tf.TensorInfo => {
    const c = call(kernel, args);
    const io = hostArrays(args.backend as HostBackend, [c.x, c.cos, c.sin], [c.x.shape], kernel);
    const [xa, ca, sa] = io.ins as Float32Array[];
    ropeApply(xa, ca, sa, c.heads, c.D, c.layout, c.backward, io.outArrays[0]);
    return io.finish()[0];
  };
}

function wasmKernel(kernel: string) {
  return (args: KernelArgs): tf.TensorInfo => {
    const c = call(kernel, args);
    return onHeap(args.backend as WasmBackendHeap, [c.x, c.cos, c.sin], [c.x.shape], (fns, [px, pc, ps], [py]) =>
      fns.rope_f32(c.rows, c.heads, c.D, c.layout === 'interleaved' ? 1 : 0, c.backward ? 1 : 0, px, pc, ps, py),
    )[0];
  };
}

/**
 * Registers both kernels on cpu and wasm (idempotent).
 *
 * @example
 * ```ts
 * registerRopeKernels();
 * tf.getKernel('AgonRope', 'wasm'); // defined
 * ```
 */
export function registerRopeKernels(): void {
  for (const kernelName of [ROPE_KERNEL, ROPE_GRAD_KERNEL]) {
    registerOnce(kernelName, ROPE_BACKENDS, { cpu: cpuKernel(kernelName), wasm: wasmKernel(kernelName) });
  }
}
