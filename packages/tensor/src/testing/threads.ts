import { kernelPool } from '../kernels/wasm/threads.js';

/**
 * The wasm backend's kernel threads now: how many threads a product is split across (1 when none
 * run), how many of the workers are serving, and how many products went through them so far (a
 * test checks it grew to know its products really ran on the threads).
 *
 * @example
 * ```ts
 * import { initBackend } from '@agon/tensor';
 * import { kernelThreads } from '@agon/tensor/testing';
 * await initBackend({ backend: 'wasm', threads: 2 });
 * const before = kernelThreads().products;
 * tf.matMul(tf.ones([512, 512]), tf.ones([512, 512]));
 * kernelThreads().products - before; // 1
 * ```
 */
export function kernelThreads(): { threads: number; workers: number; products: number } {
  const pool = kernelPool();
  return { threads: pool?.threads ?? 1, workers: pool?.liveWorkers() ?? 0, products: pool?.runs ?? 0 };
}
