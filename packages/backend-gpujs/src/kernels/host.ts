// What a gpu.js kernel function needs from the backend it runs on (GpujsBackend implements it).
import type { DataType, TensorInfo } from '@tensorflow/tfjs-core';
import type { KernelSpec } from '../kernel-cache.js';

/** The backend side of a gpu.js kernel: run a cached kernel on tensors, and wrap results. */
export interface GpuKernelHost {
  /** True when kernels returning 4 values per thread are faster (the GL modes). */
  readonly vectorOutputs: boolean;
  /**
   * Runs the kernel cached under `key` (built by `make` on first use) on the float32 values of
   * `inputs`, returning its output values.
   */
  runGpu(key: string, make: () => KernelSpec, inputs: readonly TensorInfo[]): Float32Array;
  /** A new tensor of this backend holding `values`. */
  makeTensorInfo(shape: number[], dtype: DataType, values?: Float32Array | Int32Array): TensorInfo;
  /** Frees an intermediate made inside a kernel. */
  disposeIntermediateTensorInfo(t: TensorInfo): void;
}
