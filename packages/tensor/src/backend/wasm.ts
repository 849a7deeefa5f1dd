import * as tf from '@tensorflow/tfjs-core';
import { compileKernels } from '../kernels/wasm/module.js';
import { registerWasmMatMul } from '../kernels/wasm/matmul.js';
import type { BackendProvider } from './provider.js';

/** The slice of the wasm backend that a JS-side kernel needs. */
interface WasmBackendLike {
  readSync(dataId: tf.DataId): ArrayLike<number>;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array;
}

/**
 * `UnsortedSegmentSum` for the wasm backend (tfjs 4.22 lacks it; the gradient of `gather` needs
 * it). Runs on the host over the backend's heap: out[ids[i]] += x[i], ids outside [0, n) dropped
 * as in TensorFlow.
 */
export function unsortedSegmentSumWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  attrs?: tf.NamedAttrMap;
  backend: unknown;
}): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const numSegments = (args.attrs as { numSegments: number }).numSegments;
  const inner = x.shape.slice(segmentIds.shape.length);
  const innerSize = inner.reduce((a, b) => a * b, 1);
  // Allocate first: growing the wasm heap would detach views taken before.
  const out = backend.makeOutput([numSegments, ...inner], x.dtype);
  const xs = backend.readSync(x.dataId);
  const ids = backend.readSync(segmentIds.dataId);
  const o = backend.typedArrayFromHeap(out);
  o.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const src = i * innerSize;
    const dst = s * innerSize;
    for (let k = 0; k < innerSize; k++) o[dst + k] += xs[src + k];
  }
  return out;
}

/**
 * Registers the kernels agon adds to the wasm backend, and agon's SIMD GEMM in place of tfjs'
 * `BatchMatMul` and `_FusedMatMul` (idempotent). `initBackend({ backend:
 * 'wasm' })` does it; call it yourself only when you set the wasm backend up without initBackend.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-wasm';
 * import { registerWasmKernels } from '@agon/tensor';
 * registerWasmKernels();
 * await tf.setBackend('wasm'); // tf.grad through tf.gather now works
 * ```
 */
export function registerWasmKernels(): void {
  if (!tf.getKernel('UnsortedSegmentSum', 'wasm')) {
    tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSumWasm as tf.KernelFunc });
  }
  registerWasmMatMul();
}

/** WebAssembly through `@tensorflow/tfjs-backend-wasm` (SIMD when supported; one thread, see `init`). */
export const wasmProvider: BackendProvider = {
  name: 'wasm',
  autoPriority: 10,
  async isAvailable() {
    return typeof WebAssembly === 'object' || 'WebAssembly is not available in this runtime';
  },
  async init(ctx) {
    // agon's kernels import the backend's memory as a plain (non-shared) WebAssembly.Memory; the
    // threaded tfjs build (chosen in cross-origin-isolated pages) has a shared one, which they
    // cannot import. So the single-threaded SIMD build, in browsers as in Node.
    const wasm = await import('@tensorflow/tfjs-backend-wasm'); // registers the flag set here
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (ctx.wasmPaths) wasm.setWasmPaths(ctx.wasmPaths);
    await compileKernels(ctx.wasmPaths);
    registerWasmKernels();
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    return { detail: `simd ${simd ? 'on' : 'off'}, threads ${threads ? 'on' : 'off'}; matMul: agon SIMD GEMM` };
  },
};
