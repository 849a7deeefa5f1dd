import * as tf from '@tensorflow/tfjs-core';

// tfjs has no stop-gradient op: an identity whose gradient is zero does the job.
const identityNoGrad = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]);

/**
 * The identity with a zero gradient. Used for advantages, the sampling-time log-probs of the ratio
 * and the metrics, which must not feed gradients back.
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return identityNoGrad(x) as T;
}
