/**
 * One (query, answer) pair to score.
 *
 * @example
 * ```ts
 * const x: Interaction = { query: '2+2', answer: '4', queryIndex: 0, answerIndex: 0 };
 * ```
 */
export interface Interaction<Q = string> {
  query: Q;
  answer: string;
  /** i: which query of the batch. */
  queryIndex: number;
  /** j: which of the query's G answers. */
  answerIndex: number;
}

/**
 * Scores a batch of interactions; `null` means "not applicable" to that item (as in TRL).
 *
 * @example
 * ```ts
 * const exact: RewardFn = async (batch) => batch.map((x) => (x.answer.trim() === '4' ? 1 : 0));
 * ```
 */
export type RewardFn<Q = string> = (batch: readonly Interaction<Q>[]) => Promise<(number | null)[]>;
