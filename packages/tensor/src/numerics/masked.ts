import * as tf from '@tensorflow/tfjs-core';

function checkMask(fn: string, x: tf.Tensor, mask: tf.Tensor): void {
  // The mask must broadcast to x without changing x's shape.
  const off = x.rank - mask.rank;
  const ok = off >= 0 && mask.shape.every((d, i) => d === 1 || d === x.shape[i + off]);
  if (!ok) {
    throw new Error(
      `${fn}: mask of shape [${mask.shape.join(', ')}] does not broadcast to x of shape [${x.shape.join(', ')}]`,
    );
  }
}

/** x·mask where mask ≠ 0, and exactly 0 elsewhere (so NaN/±Infinity under the mask never leak). */
function applyMask(x: tf.Tensor, mask: tf.Tensor): { kept: tf.Tensor; weights: tf.Tensor } {
  const weights = tf.broadcastTo(tf.cast(mask, 'float32'), x.shape);
  const on = tf.notEqual(weights, 0);
  const kept = tf.where(on, tf.mul(tf.where(on, x, tf.zerosLike(x)), weights), tf.zerosLike(x));
  return { kept, weights };
}

/**
 * Sum of `x · mask` over `axis` (all axes when omitted). Positions where the mask is 0 contribute
 * exactly 0, even when x holds NaN or ±Infinity there (as log-probs of padding can).
 *
 * @param x - float32 values.
 * @param mask - bool or numeric weights (usually 0/1), broadcastable to x.
 * @param axis - axis or axes to reduce; all when omitted.
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { maskedSum } from '@agon/tensor';
 * const s = maskedSum(tf.tensor2d([[1, 2, 3]]), tf.tensor2d([[1, 1, 0]]), 1); // [3]
 * ```
 */
export function maskedSum(x: tf.Tensor, mask: tf.Tensor, axis?: number | number[]): tf.Tensor {
  checkMask('maskedSum', x, mask);
  return tf.tidy(() => tf.sum(applyMask(x, mask).kept, axis));
}

/**
 * Mean of `x` over the positions selected by `mask` (weighted by it) along `axis` (all axes when
 * omitted): `Σ x·m / Σ m`. Where the mask sums to 0 the result is 0 and its gradient is 0, not NaN.
 *
 * @param x - float32 values.
 * @param mask - bool or numeric weights (usually 0/1), broadcastable to x.
 * @param axis - axis or axes to reduce; all when omitted.
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { maskedMean } from '@agon/tensor';
 * const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
 * const m = tf.tensor2d([[1, 1, 0], [0, 0, 0]]);
 * const perRow = maskedMean(x, m, 1); // [1.5, 0]
 * ```
 */
export function maskedMean(x: tf.Tensor, mask: tf.Tensor, axis?: number | number[]): tf.Tensor {
  checkMask('maskedMean', x, mask);
  return tf.tidy(() => {
    const { kept, weights } = applyMask(x, mask);
    const total = tf.sum(kept, axis);
    const count = tf.sum(weights, axis);
    // Dividing by 1 where the count is 0 keeps both value (0/1) and gradient finite.
    const safe = tf.where(tf.equal(count, 0), tf.onesLike(count), count);
    return tf.div(total, safe);
  });
}
