import type { RewardFn } from '@agon/core';

/**
 * Anything with an exact verifier, e.g. a `VerifiableGame` of `@agon/game` (structural, so this
 * package does not depend on the game package).
 *
 * @example
 * ```ts
 * const v: Verifier<string> = { verify: (q, a) => (a.trim() === '4' ? 1 : 0) };
 * ```
 */
export interface Verifier<Q> {
  verify(query: Q, answer: string): number;
}

/**
 * The verifier reward: R(q, a) = game.verify(q, a) (1 right, 0 wrong for the built-in games).
 *
 * @example
 * ```ts
 * import { arithmeticGame } from '@agon/game';
 * const reward = verifierReward(arithmeticGame({ digits: 3 }));
 * await reward([{ query: { a: '2', op: '+', b: '3' }, answer: '5', queryIndex: 0, answerIndex: 0 }]); // [1]
 * ```
 */
export function verifierReward<Q>(game: Verifier<Q>): RewardFn<Q> {
  return async (batch) => batch.map((x) => game.verify(x.query, x.answer));
}
