import type { Interaction, RewardFn } from '@agon/core';

/**
 * One weighted part of {@link weightedSum}.
 *
 * @example
 * ```ts
 * const part: WeightedReward = { reward: verifierReward(game), weight: 1 };
 * ```
 */
export interface WeightedReward<Q = string> {
  reward: RewardFn<Q>;
  weight: number;
}

async function scoreChecked<Q>(name: string, fn: RewardFn<Q>, batch: readonly Interaction<Q>[]): Promise<(number | null)[]> {
  const out = await fn(batch);
  if (out.length !== batch.length) throw new Error(`${name}: a reward returned ${out.length} values for ${batch.length} interactions`);
  return out;
}

/**
 * Σ_k w_k·R_k per item, the parts scored concurrently. A `null` part is "not applicable" and is
 * left out of that item's sum (as TRL does); an item where every part is `null` stays `null`.
 *
 * @example
 * ```ts
 * const reward = weightedSum([{ reward: verifierReward(game), weight: 1 }, { reward: judge, weight: 1 / 7 }]);
 * ```
 */
export function weightedSum<Q = string>(parts: readonly WeightedReward<Q>[]): RewardFn<Q> {
  if (!parts.length) throw new Error('weightedSum: needs at least one { reward, weight } part');
  parts.forEach((p, k) => {
    if (!Number.isFinite(p.weight)) throw new Error(`weightedSum: part ${k} has weight ${p.weight}; expected a finite number`);
  });
  return async (batch) => {
    const scored = await Promise.all(parts.map((p) => scoreChecked('weightedSum', p.reward, batch)));
    return batch.map((_, i) => {
      let sum: number | null = null;
      scored.forEach((values, k) => {
        const v = values[i];
        if (v !== null) sum = (sum ?? 0) + parts[k].weight * v;
      });
      return sum;
    });
  };
}

/**
 * Clamps each reward into [min, max]; `null` stays `null`.
 *
 * @example
 * ```ts
 * const bounded = clip(scorerReward(rm), { min: -5, max: 5 });
 * ```
 */
export function clip<Q = string>(reward: RewardFn<Q>, range: { min?: number; max?: number }): RewardFn<Q> {
  const min = range.min ?? -Infinity;
  const max = range.max ?? Infinity;
  if (!(min <= max)) throw new Error(`clip: min ${min} is above max ${max}`);
  return async (batch) => (await scoreChecked('clip', reward, batch)).map((v) => (v === null ? null : Math.min(max, Math.max(min, v))));
}

/**
 * Replaces `null` ("not applicable") with a fixed value, for formulas that need a number everywhere
 * (the advantages do).
 *
 * @example
 * ```ts
 * const judged = withDefault(selfJudge, 0); // an unreadable verdict scores 0
 * ```
 */
export function withDefault<Q = string>(reward: RewardFn<Q>, value: number): RewardFn<Q> {
  return async (batch) => (await scoreChecked('withDefault', reward, batch)).map((v) => (v === null ? value : v));
}
