import * as tf from '@tensorflow/tfjs-core';
import { stopGradient } from './no-grad.js';
import type { FinishReason } from '@agon/core';
import { entropyFromLogits, maskedMean } from '@agon/tensor';

/**
 * What one self-play iteration produced, as plain data, for {@link rolloutMetrics}.
 *
 * @example
 * ```ts
 * const stats: RolloutStats = {
 *   solverRewards: [[1, 0, 0], []], challengerRewards: [-1 / 3, -1], queryValid: [true, false],
 *   queryTokens: [7, 30], solverFinish: ['stop', 'stop', 'length'], challengerFinish: ['stop', 'length'],
 *   zeroStdGroups: 0,
 * };
 * ```
 */
export interface RolloutStats {
  /** Solver rewards R[i][j] (`[]` for invalid queries). */
  solverRewards: readonly (readonly number[])[];
  /** Challenger reward per query (e.g. `ChallengerAdvantages.rewards`). */
  challengerRewards: readonly number[];
  /** Whether each query passed `parseQuery`. */
  queryValid: readonly boolean[];
  /** Length of each Challenger output, in tokens. */
  queryTokens: readonly number[];
  /** Finish reason of every Solver answer. */
  solverFinish: readonly FinishReason[];
  /** Finish reason of every Challenger output. */
  challengerFinish: readonly FinishReason[];
  /** Valid groups whose rewards were all equal (`SolverAdvantages.zeroStdCount`). */
  zeroStdGroups: number;
}

function meanStd(xs: readonly number[]): [number, number] {
  if (!xs.length) return [Number.NaN, Number.NaN];
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  // Population std: a description of this batch, not an estimate.
  return [m, Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / xs.length)];
}

const fraction = (n: number, d: number) => (d ? n / d : Number.NaN);

/**
 * The per-iteration metrics of a rollout: reward mean/std per role, zero-std fraction (of valid
 * groups), truncation fraction per role, invalid-query fraction and mean Challenger query length.
 * Empty sets give `NaN` rather than a misleading 0.
 *
 * @example
 * ```ts
 * const m = rolloutMetrics(stats);
 * m['reward/solver/mean']; m['invalidQueryFraction'];
 * ```
 */
export function rolloutMetrics(stats: RolloutStats): Record<string, number> {
  const [sMean, sStd] = meanStd(stats.solverRewards.flat());
  const [cMean, cStd] = meanStd(stats.challengerRewards);
  const valid = stats.queryValid.filter(Boolean).length;
  const truncated = (xs: readonly FinishReason[]) => fraction(xs.filter((f) => f === 'length').length, xs.length);
  return {
    'reward/solver/mean': sMean,
    'reward/solver/std': sStd,
    'reward/challenger/mean': cMean,
    'reward/challenger/std': cStd,
    zeroStdFraction: fraction(stats.zeroStdGroups, valid),
    'truncated/solver': truncated(stats.solverFinish),
    'truncated/challenger': truncated(stats.challengerFinish),
    invalidQueryFraction: fraction(stats.queryValid.length - valid, stats.queryValid.length),
    'challenger/queryLength': meanStd(stats.queryTokens)[0],
  };
}

/**
 * Mean per-token entropy −Σ_v p_v log p_v of the policy over the counted tokens (no gradient):
 * the usual signal that sampling is collapsing.
 *
 * @example
 * ```ts
 * const h = meanTokenEntropy(logits, mask); // logits [B, T, V], mask [B, T] → Scalar
 * ```
 */
export function meanTokenEntropy(logits: tf.Tensor3D, mask: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    return maskedMean(entropyFromLogits(stopGradient(logits)), mask) as tf.Scalar;
  });
}
