import type { RewardFn, Scorer } from '@agon/core';
import { defaultQueryText } from './query-text.js';

/**
 * The reward-model reward: R(q, a) = scorer.score([{ query, answer }]) for the whole batch at once.
 *
 * @example
 * ```ts
 * declare const rm: Scorer; // e.g. a sequence-classification reward model from @agon/models
 * const reward = scorerReward(rm);
 * ```
 */
export function scorerReward<Q = string>(scorer: Scorer, options: { queryText?: (query: Q) => string } = {}): RewardFn<Q> {
  const text = options.queryText ?? defaultQueryText;
  return async (batch) => {
    const scores = await scorer.score(batch.map((x) => ({ query: text(x.query), answer: x.answer })));
    if (!Array.isArray(scores) || scores.length !== batch.length) {
      throw new Error(`scorerReward: the scorer returned ${Array.isArray(scores) ? scores.length : typeof scores} scores for ${batch.length} pairs`);
    }
    const bad = scores.findIndex((s) => typeof s !== 'number' || !Number.isFinite(s));
    if (bad >= 0) throw new Error(`scorerReward: score ${bad} is ${String(scores[bad])}; expected a finite number`);
    return scores;
  };
}
