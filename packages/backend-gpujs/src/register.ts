// Kernel registration for the `gpujs` backend: every CPU kernel, with the GPU ones swapped in.
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { addNKernel, BINARY_OPS, binaryKernel, UNARY_OPS, unaryKernel } from './kernels/elementwise.js';
import { batchMatMulKernel, fusedMatMulKernel } from './kernels/matmul.js';
import { REDUCTIONS, reduceKernel } from './kernels/reduce.js';
import { softmaxKernel } from './kernels/softmax.js';

/** The tfjs backend name. */
export const GPUJS_BACKEND = 'gpujs';

/** The kernels that run through gpu.js (float32 inputs; other dtypes use the CPU kernel). */
export const GPU_KERNELS: readonly string[] = [
  'BatchMatMul',
  '_FusedMatMul',
  'Softmax',
  'AddN',
  ...Object.keys(UNARY_OPS),
  ...Object.keys(BINARY_OPS),
  ...Object.keys(REDUCTIONS),
];

function gpuKernel(name: string, cpu: KernelFunc): KernelFunc {
  if (name === 'BatchMatMul') return batchMatMulKernel(cpu);
  if (name === '_FusedMatMul') return fusedMatMulKernel(cpu);
  if (name === 'Softmax') return softmaxKernel(cpu);
  if (name === 'AddN') return addNKernel(cpu);
  if (name in UNARY_OPS) return unaryKernel(name, cpu);
  if (name in BINARY_OPS) return binaryKernel(name, cpu);
  return reduceKernel(name, cpu);
}

/**
 * Registers, for the `gpujs` backend, the gpu.js kernels of {@link GPU_KERNELS} and every other
 * kernel of the cpu backend as it is (the backend extends MathBackendCPU, so they run on its
 * data). The cpu kernels must be registered already (importing @tensorflow/tfjs-backend-cpu does
 * it). Idempotent: kernels stay registered when the backend is removed and made again.
 */
export function registerGpujsKernels(): void {
  const cpuKernels: KernelConfig[] = tf.getKernelsForBackend('cpu');
  if (cpuKernels.length === 0) throw new Error('registerGpujsKernels: no cpu kernels registered; import @tensorflow/tfjs-backend-cpu first');
  for (const k of cpuKernels) {
    if (tf.getKernel(k.kernelName, GPUJS_BACKEND)) continue;
    const kernelFunc = GPU_KERNELS.includes(k.kernelName) ? gpuKernel(k.kernelName, k.kernelFunc) : k.kernelFunc;
    tf.registerKernel({ ...k, backendName: GPUJS_BACKEND, kernelFunc });
  }
  for (const name of GPU_KERNELS) {
    if (!tf.getKernel(name, GPUJS_BACKEND)) throw new Error(`registerGpujsKernels: the cpu backend has no '${name}' kernel to fall back to`);
  }
}
