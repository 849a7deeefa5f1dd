import type { Scalar, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';

/**
 * What a policy loss needs for one batch of sequences (queries or answers): per-token log-probs
 * under the policy (with gradient) and under the reference, one advantage per sequence, and a mask
 * of the tokens that count.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * const batch: PolicyBatch = {
 *   logprobs: tf.zeros([2, 3]), refLogprobs: tf.zeros([2, 3]), oldLogprobs: undefined,
 *   advantages: tf.tensor1d([0.5, -0.5]), mask: tf.ones([2, 3]),
 * };
 * ```
 */
export interface PolicyBatch {
  /** [B, T] log π_θ(token) with gradient. */
  logprobs: Tensor2D;
  /** [B, T] log π_Ref(token); absent when β = 0. */
  refLogprobs?: Tensor2D;
  /** [B, T] log-probs at sampling time, for ratio-based losses (PPO-clip). */
  oldLogprobs?: Tensor2D;
  /** [B] one advantage per sequence. */
  advantages: Tensor1D;
  /** [B, T] 1 for tokens that count, 0 for padding. */
  mask: Tensor2D;
}

/**
 * Turns a {@link PolicyBatch} into a scalar loss to minimise, plus metrics, and says whether it
 * reads the reference model's log-probs (then the trainer runs the reference forward pass).
 *
 * @example
 * ```ts
 * declare const objective: Objective;
 * declare const batch: PolicyBatch;
 * if (objective.needsReference) console.log('pass refLogprobs');
 * const { loss, metrics } = objective.loss(batch);
 * ```
 */
export interface Objective {
  /** True when `loss` reads `batch.refLogprobs` (a KL penalty to the reference, β > 0). */
  readonly needsReference: boolean;
  loss(batch: PolicyBatch): { loss: Scalar; metrics: Record<string, Scalar> };
}
