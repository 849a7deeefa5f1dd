// The tfjs backend: the CPU backend's storage and kernels, with some kernels replaced by gpu.js
// ones. Data lives in JS typed arrays (as on cpu), so every CPU kernel works unchanged on it and
// a gpu.js kernel uploads its inputs and reads back its output on each call.
import type { DataType, TensorInfo } from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { isGlMode, type GpujsContext, type GpujsMode } from './gpu-mode.js';
import { KernelCache, type KernelSpec } from './kernel-cache.js';
import type { GpuKernelHost } from './kernels/host.js';

/** The `gpujs` tfjs backend (made by the provider; users select it with initBackend). */
export class GpujsBackend extends MathBackendCPU implements GpuKernelHost {
  readonly kernels: KernelCache;

  constructor(private readonly ctx: GpujsContext) {
    super();
    // MathBackendCPU prints an "install tfjs-node" hint on first use in Node; it is not the point here.
    (this as unknown as { firstUse: boolean }).firstUse = false;
    this.kernels = new KernelCache(ctx);
  }

  /** The gpu.js mode the kernels run in. */
  get mode(): GpujsMode {
    return this.ctx.mode;
  }

  /** 4-values-per-thread kernels pay off in the GL modes (fewer texture reads), not elsewhere. */
  get vectorOutputs(): boolean {
    return isGlMode(this.ctx.mode);
  }

  runGpu(key: string, make: () => KernelSpec, inputs: readonly TensorInfo[]): Float32Array {
    const args = inputs.map((t) => {
      const v = this.data.get(t.dataId).values;
      // A tag check, not instanceof: arrays made in another realm (a vm context, a worker) count.
      if (Object.prototype.toString.call(v) === '[object Float32Array]') return v as Float32Array;
      // The cpu kernels may store a float32 tensor in another typed array (e.g. Cast from int32
      // keeps the Int32Array); gpu.js needs float32 values.
      if (ArrayBuffer.isView(v)) return Float32Array.from(v as unknown as ArrayLike<number>);
      throw new Error(`gpujs kernel '${key}': expected typed-array data for a ${t.dtype} input, got ${Object.prototype.toString.call(v)}`);
    });
    return this.kernels.run(key, make, args);
  }

  override makeTensorInfo(shape: number[], dtype: DataType, values?: Float32Array | Int32Array): TensorInfo {
    return super.makeTensorInfo(shape, dtype, values);
  }

  override dispose(): void {
    this.kernels.clear();
    super.dispose();
  }
}
