import * as tf from '@tensorflow/tfjs-core';
import { stopGradient } from './no-grad.js';
import type { Objective, PolicyBatch } from '@agon/core';
import { tokenMean, type Aggregator } from './aggregation.js';
import { klK3, type KlEstimator } from './kl.js';
import { checkBatch, checkNonNegative, cleanPadding, withKl } from './policy-terms.js';

/**
 * Options of {@link ppoClipLoss}.
 *
 * @example
 * ```ts
 * const opts: PpoClipOptions = { epsLow: 0.2, epsHigh: 0.28, beta: 0.05 };
 * ```
 */
export interface PpoClipOptions {
  /** Lower clip: the ratio may fall to 1 − epsLow. Default 0.2. */
  epsLow?: number;
  /** Upper clip: the ratio may rise to 1 + epsHigh (DAPO raises it to 0.28). Default 0.2. */
  epsHigh?: number;
  /** β, weight of the KL penalty in the loss. Default 0. */
  beta?: number;
  /** Per-token KL estimator. Default {@link klK3}. */
  kl?: KlEstimator;
  /** How per-token losses become one number. Default {@link tokenMean}. */
  aggregation?: Aggregator;
}

/**
 * PPO-clip, for several updates on one batch: with ρ_t = π_θ(x_t)/π_old(x_t), per token
 * ℓ_t = −min(ρ_t·A, clip(ρ_t, 1 − ε_low, 1 + ε_high)·A) + β·kl_t, aggregated. Needs
 * `batch.oldLogprobs` (the log-probs at sampling time). On the first update (ρ = 1) its gradient
 * equals {@link reinforceLoss}'s with the same aggregation. Metrics: `clipFraction` (tokens whose
 * clipped branch is active), `ratioMean`, and `kl` when reference log-probs are given.
 *
 * @example
 * ```ts
 * const objective = ppoClipLoss({ epsLow: 0.2, epsHigh: 0.28 });
 * for (let k = 0; k < 4; k++) optimizer.minimize(() => objective.loss(batch).loss);
 * ```
 */
export function ppoClipLoss(options: PpoClipOptions = {}): Objective {
  const epsLow = options.epsLow ?? 0.2;
  const epsHigh = options.epsHigh ?? 0.2;
  const beta = options.beta ?? 0;
  const kl = options.kl ?? klK3;
  const aggregate = options.aggregation ?? tokenMean;
  checkNonNegative('ppoClipLoss', 'beta', beta);
  checkNonNegative('ppoClipLoss', 'epsLow', epsLow);
  checkNonNegative('ppoClipLoss', 'epsHigh', epsHigh);
  if (epsLow >= 1) throw new Error(`ppoClipLoss: option epsLow must be below 1, got ${epsLow}`);
  return {
    needsReference: beta > 0,
    loss(raw: PolicyBatch) {
      checkBatch('ppoClipLoss', raw, { ref: beta > 0, old: true });
      return tf.tidy(() => {
        const mask = tf.cast(raw.mask, 'float32') as tf.Tensor2D;
        const batch = cleanPadding(raw, mask);
        const adv = tf.expandDims(stopGradient(batch.advantages), 1);
        const ratio = tf.exp(tf.sub(batch.logprobs, stopGradient(batch.oldLogprobs as tf.Tensor2D)));
        const unclipped = tf.mul(ratio, adv);
        const clipped = tf.mul(tf.clipByValue(ratio, 1 - epsLow, 1 + epsHigh), adv);
        const pg = tf.neg(tf.minimum(unclipped, clipped)) as tf.Tensor2D;
        const { perToken, klMean } = withKl(pg, batch, mask, beta, kl);
        const active = tf.cast(tf.less(clipped, unclipped), 'float32') as tf.Tensor2D;
        const metrics: Record<string, tf.Scalar> = {
          clipFraction: stopGradient(tokenMean(active, mask)) as tf.Scalar,
          ratioMean: stopGradient(tokenMean(ratio as tf.Tensor2D, mask)) as tf.Scalar,
        };
        if (klMean) metrics.kl = klMean;
        return { loss: aggregate(perToken, mask), metrics };
      });
    },
  };
}
