import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `fn` and throws if it leaves tensors behind (`tf.memory().numTensors` changed). Works with
 * any test runner; the thrown error names the count before and after.
 *
 * @returns whatever `fn` returns (it must not be a tensor, or that tensor would count as a leak).
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { expectNoLeaks } from '@agon/tensor/testing';
 * const v = await expectNoLeaks(async () => {
 *   const x = tf.ones([2, 2]);
 *   const s = (await x.sum().data())[0];
 *   x.dispose();
 *   return s;
 * }); // v === 4, and no tensor was left alive
 * ```
 */
export async function expectNoLeaks<T>(fn: () => T | Promise<T>, label = 'block'): Promise<T> {
  const before = tf.memory().numTensors;
  const out = await fn();
  const after = tf.memory().numTensors;
  if (after !== before) {
    throw new Error(`expectNoLeaks(${label}): ${after - before} tensor(s) leaked (numTensors ${before} → ${after})`);
  }
  return out;
}
