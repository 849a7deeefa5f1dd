/**
 * One (query, answer) pair as text, for a reward model.
 *
 * @example
 * ```ts
 * const pair: ScoredPair = { query: 'Name a prime.', answer: '7' };
 * ```
 */
export interface ScoredPair {
  query: string;
  answer: string;
}

/**
 * A reward model: scores (query, answer) pairs, one number per pair, higher is better. Implemented
 * by the models package (a sequence-classification head); adapted into a `RewardFn` by objectives.
 *
 * @example
 * ```ts
 * const lengthScorer: Scorer = { score: async (pairs) => pairs.map((p) => -p.answer.length) };
 * ```
 */
export interface Scorer {
  score(pairs: readonly ScoredPair[]): Promise<number[]>;
}
