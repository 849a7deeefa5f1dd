import * as tf from '@tensorflow/tfjs-core';
import { maskedSum } from '@agon/tensor';

/**
 * A per-token KL estimator: from log π_θ(x_t) and log π_Ref(x_t) of the SAMPLED tokens, an
 * estimate of KL(π_θ ‖ π_Ref) at each position (same shape as its inputs). With
 * r = log π_Ref − log π_θ (Schulman's notation) the three classics are k1 = −r, k2 = r²/2,
 * k3 = e^r − r − 1.
 *
 * @example
 * ```ts
 * const kl: KlEstimator = klK3;
 * const perToken = kl(logprobs, refLogprobs); // [B, T]
 * ```
 */
export type KlEstimator = (logprobs: tf.Tensor, refLogprobs: tf.Tensor) => tf.Tensor;

/**
 * k1 = log π_θ − log π_Ref: the plain log-ratio the paper writes. Unbiased but high variance and
 * can be negative; as a loss term its expected gradient on-policy is zero, so prefer it in the
 * reward (see {@link penalizeRewards}).
 *
 * @example
 * ```ts
 * klK1(tf.tensor1d([-1]), tf.tensor1d([-2])); // [1]
 * ```
 */
export const klK1: KlEstimator = (logprobs, refLogprobs) => tf.sub(logprobs, refLogprobs);

/**
 * k2 = ½ (log π_θ − log π_Ref)²: biased, low variance, always ≥ 0; its gradient is that of the
 * reverse KL to first order.
 *
 * @example
 * ```ts
 * klK2(tf.tensor1d([-1]), tf.tensor1d([-2])); // [0.5]
 * ```
 */
export const klK2: KlEstimator = (logprobs, refLogprobs) => tf.tidy(() => tf.mul(0.5, tf.square(tf.sub(logprobs, refLogprobs))));

/**
 * Options of {@link makeKlK3}.
 *
 * @example
 * ```ts
 * const opts: KlK3Options = { maxLogRatio: 20, maxValue: 10 };
 * ```
 */
export interface KlK3Options {
  /** r = log π_Ref − log π_θ is clamped to [−maxLogRatio, maxLogRatio] before e^r, so it cannot overflow. Default 20. */
  maxLogRatio?: number;
  /** The estimate is clamped to at most maxValue, so one runaway token cannot dominate the loss. Default 10. */
  maxValue?: number;
}

/**
 * A clamped k3 estimator with the given limits (clamped positions get no gradient).
 *
 * @example
 * ```ts
 * const loose = makeKlK3({ maxValue: 100 });
 * ```
 */
export function makeKlK3(options: KlK3Options = {}): KlEstimator {
  const maxLogRatio = options.maxLogRatio ?? 20;
  const maxValue = options.maxValue ?? 10;
  return (logprobs, refLogprobs) =>
    tf.tidy(() => {
      const r = tf.clipByValue(tf.sub(refLogprobs, logprobs), -maxLogRatio, maxLogRatio);
      const k3 = tf.sub(tf.sub(tf.exp(r), r), 1);
      return tf.minimum(k3, maxValue);
    });
}

/**
 * k3 = e^r − r − 1 with r = log π_Ref − log π_θ: unbiased, low variance, always ≥ 0 (what TRL's
 * GRPO uses). Clamped as {@link makeKlK3} with defaults (|r| ≤ 20, value ≤ 10).
 *
 * @example
 * ```ts
 * klK3(tf.tensor1d([-1]), tf.tensor1d([-2])); // [e^-1 + 1 - 1] ≈ [0.3679]
 * ```
 */
export const klK3: KlEstimator = makeKlK3();

/**
 * Per-sequence KL Σ_t m_t·kl_t as plain numbers (no gradient), for applying KL in the reward.
 *
 * @example
 * ```ts
 * const klSeq = await sequenceKl(logprobs, refLogprobs, mask, klK1); // [B]
 * ```
 */
export async function sequenceKl(logprobs: tf.Tensor2D, refLogprobs: tf.Tensor2D, mask: tf.Tensor2D, kl: KlEstimator): Promise<number[]> {
  const sums = tf.tidy(() => maskedSum(kl(logprobs, refLogprobs), mask, 1));
  const out = Array.from(await sums.data());
  sums.dispose();
  return out;
}

/**
 * KL in the reward: R' = R − β·KL, element by element (`kl` from {@link sequenceKl}, shaped like
 * `rewards`). Use it with β = 0 in the loss so the KL is not counted twice.
 *
 * @example
 * ```ts
 * penalizeRewards([[1, 0]], [[2, 4]], 0.05); // [[0.9, -0.2]]
 * ```
 */
export function penalizeRewards(rewards: readonly (readonly number[])[], kl: readonly (readonly number[])[], beta: number): number[][] {
  return rewards.map((row, i) => {
    if (!kl[i] || kl[i].length !== row.length) throw new Error(`penalizeRewards: kl row ${i} has ${kl[i]?.length ?? 0} entries; expected ${row.length}`);
    return row.map((r, j) => r - beta * kl[i][j]);
  });
}
