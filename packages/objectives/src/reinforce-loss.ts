import * as tf from '@tensorflow/tfjs-core';
import { stopGradient } from './no-grad.js';
import type { Objective, PolicyBatch } from '@agon/core';
import { sequenceSum, type Aggregator } from './aggregation.js';
import { klK3, type KlEstimator } from './kl.js';
import { checkBatch, checkNonNegative, cleanPadding, withKl } from './policy-terms.js';

/**
 * Options of {@link reinforceLoss}.
 *
 * @example
 * ```ts
 * const opts: ReinforceOptions = { beta: 0.05, kl: klK3, aggregation: sequenceSum };
 * ```
 */
export interface ReinforceOptions {
  /** β, weight of the KL penalty in the loss. Default 0 (no reference needed). The paper uses 0.05. */
  beta?: number;
  /** Per-token KL estimator. Default {@link klK3}. */
  kl?: KlEstimator;
  /** How per-token losses become one number. Default {@link sequenceSum} (the paper's Eqs. 4–5). */
  aggregation?: Aggregator;
}

/**
 * The paper's on-policy REINFORCE loss (Eqs. 4–5): per token ℓ_t = −A·log π_θ(x_t) + β·kl_t,
 * aggregated; with {@link sequenceSum} this is −1/B Σ_b [A_b·log π_θ(x_b) − β·KL(x_b)]. One
 * gradient step per batch; no ratio, no clipping. Metrics: `kl` (token mean, when the batch has
 * reference log-probs).
 *
 * @example
 * ```ts
 * const objective = reinforceLoss({ beta: 0.05 });
 * const { value, grads } = tf.variableGrads(() => objective.loss(batch).loss);
 * ```
 */
export function reinforceLoss(options: ReinforceOptions = {}): Objective {
  const beta = options.beta ?? 0;
  const kl = options.kl ?? klK3;
  const aggregate = options.aggregation ?? sequenceSum;
  checkNonNegative('reinforceLoss', 'beta', beta);
  return {
    needsReference: beta > 0,
    loss(raw: PolicyBatch) {
      checkBatch('reinforceLoss', raw, { ref: beta > 0, old: false });
      return tf.tidy(() => {
        const mask = tf.cast(raw.mask, 'float32') as tf.Tensor2D;
        const batch = cleanPadding(raw, mask);
        const adv = tf.expandDims(stopGradient(batch.advantages), 1);
        const pg = tf.neg(tf.mul(adv, batch.logprobs)) as tf.Tensor2D;
        const { perToken, klMean } = withKl(pg, batch, mask, beta, kl);
        const metrics: Record<string, tf.Scalar> = {};
        if (klMean) metrics.kl = klMean;
        return { loss: aggregate(perToken, mask), metrics };
      });
    },
  };
}
