/**
 * The built-in rewards by name: the one list the trainer's config and its reward builder read.
 * Each is made from its options and what the run supplies (the game, a loaded reward model).
 */
import type { RewardFn, Scorer } from '@agon/core';
import { remoteReward, type RemoteRewardOptions } from './remote.js';
import { scorerReward } from './scorer.js';
import { verifierReward, type Verifier } from './verifier.js';

/**
 * What a run supplies to a built-in reward: the game (its verifier), a loaded reward model's
 * scorer, and how a query reads as text.
 *
 * @example
 * ```ts
 * const ctx: RewardContext<string> = { game: { verify: (q, a) => (a === q ? 1 : 0) } };
 * ```
 */
export interface RewardContext<Q> {
  game?: Partial<Verifier<Q>>;
  scorer?: Scorer;
  queryText?: (query: Q) => string;
}

type Maker = <Q>(options: Record<string, unknown>, ctx: RewardContext<Q>) => RewardFn<Q>;

const REWARDS: Record<'verifier' | 'remote' | 'model', Maker> = {
  verifier: (_o, ctx) => {
    const game = ctx.game;
    if (typeof game?.verify !== 'function') throw new Error("the 'verifier' reward needs a verifiable game (one with verify(query, answer))");
    return verifierReward({ verify: game.verify.bind(game) });
  },
  remote: <Q>(o: Record<string, unknown>) => remoteReward<Q>(o as unknown as RemoteRewardOptions<Q>),
  model: (_o, ctx) => {
    if (!ctx.scorer) throw new Error("the 'model' reward needs a loaded reward model (a Scorer)");
    return scorerReward(ctx.scorer, ctx.queryText ? { queryText: ctx.queryText } : {});
  },
};

/** A built-in reward's name. */
export type RewardName = keyof typeof REWARDS;

/**
 * Names of the built-in rewards: `verifier` (the game's exact check), `remote` (JSON over HTTP) and
 * `model` (a reward model's score).
 *
 * @example
 * ```ts
 * REWARD_NAMES.includes('remote'); // true
 * ```
 */
export const REWARD_NAMES = Object.keys(REWARDS) as readonly RewardName[];

/**
 * A built-in reward by name, from its options and the run's context.
 *
 * @throws Error naming the known rewards for an unknown name, or what the reward lacks.
 * @example
 * ```ts
 * const exact = rewardByName('verifier', {}, { game: arithmeticGame() });
 * const remote = rewardByName('remote', { url: 'http://localhost:8000/score' }, {});
 * ```
 */
export function rewardByName<Q>(name: string, options: Record<string, unknown>, ctx: RewardContext<Q>): RewardFn<Q> {
  if (!Object.hasOwn(REWARDS, name)) throw new Error(`unknown reward ${JSON.stringify(name)}; expected one of ${REWARD_NAMES.join(', ')}`);
  return REWARDS[name as RewardName]<Q>(options, ctx);
}
