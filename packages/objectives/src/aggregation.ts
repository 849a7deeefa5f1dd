import * as tf from '@tensorflow/tfjs-core';
import { maskedMean, maskedSum } from '@agon/tensor';

/**
 * Reduces per-token losses ℓ[B, T] under a mask m[B, T] (1 = counts) to one scalar. Masked
 * positions never reach the result, even when they hold −∞ or NaN (padding). Rows whose mask is all
 * zero do not count as sequences.
 *
 * @example
 * ```ts
 * const agg: Aggregator = tokenMean;
 * const loss = agg(perToken, mask); // Scalar
 * ```
 */
export type Aggregator = (perToken: tf.Tensor2D, mask: tf.Tensor2D) => tf.Scalar;

/** Number of rows with at least one counted token, at least 1. */
function liveRows(mask: tf.Tensor2D): tf.Scalar {
  return tf.maximum(tf.sum(tf.cast(tf.greater(tf.sum(tf.cast(mask, 'float32'), 1), 0), 'float32')), 1);
}

/**
 * Token mean: Σ_bt m·ℓ / Σ_bt m. Every token weighs the same, so long answers weigh more (DAPO,
 * TRL's default).
 *
 * @example
 * ```ts
 * tokenMean(tf.tensor2d([[1, 2], [3, 0]]), tf.tensor2d([[1, 1], [1, 0]])); // 2
 * ```
 */
export const tokenMean: Aggregator = (perToken, mask) => maskedMean(perToken, mask) as tf.Scalar;

/**
 * Sequence mean: mean over sequences of (Σ_t m·ℓ / Σ_t m). Every sequence weighs the same, whatever
 * its length (the original GRPO).
 *
 * @example
 * ```ts
 * sequenceMean(tf.tensor2d([[1, 2], [3, 0]]), tf.tensor2d([[1, 1], [1, 0]])); // (1.5 + 3) / 2
 * ```
 */
export const sequenceMean: Aggregator = (perToken, mask) =>
  tf.tidy(() => tf.div(tf.sum(maskedMean(perToken, mask, 1)), liveRows(mask)));

/**
 * Sequence sum: mean over sequences of Σ_t m·ℓ. This is the paper's Eqs. 4–5 read literally:
 * log π(a | q) is the SUM of token log-probs, averaged over the N·G answers (or N queries).
 *
 * @example
 * ```ts
 * sequenceSum(tf.tensor2d([[1, 2], [3, 0]]), tf.tensor2d([[1, 1], [1, 0]])); // (3 + 3) / 2
 * ```
 */
export const sequenceSum: Aggregator = (perToken, mask) => tf.tidy(() => tf.div(maskedSum(perToken, mask), liveRows(mask)));
