/** The query-source piece: the Challenger, or the config's fixed prompt set (the GRPO baseline). */
import type { Game } from '@agon/core';
import type { VerifiableGame } from '@agon/game';
import type { TrainConfig } from '../config.js';
import { heldOutSet } from '../eval/evaluate.js';
import { challengerQueries, fixedQueries, type QuerySource } from '../queries.js';
import { isVerifiable } from './game.js';

/**
 * The GRPO baseline's prompt set: `size` distinct queries from the game's seeded generator, none of
 * them in the held-out eval set `heldOut` (drawn with extra and filtered, so the baseline never
 * trains on a test query).
 *
 * @example
 * ```ts
 * const set = fixedPromptSet(arithmeticGame({ digits: 2 }), { size: 64, seed: 777 }, { size: 64, seed: 1234 });
 * ```
 */
export function fixedPromptSet<Q>(game: VerifiableGame<Q>, fixed: { size: number; seed: number }, heldOut: { size: number; seed: number } | null): Q[] {
  const held = new Set(heldOut ? heldOutSet(game, heldOut).map((q) => game.formatQuery(q)) : []);
  const drawn = heldOutSet(game, { size: fixed.size + held.size, seed: fixed.seed }).filter((q) => !held.has(game.formatQuery(q)));
  return drawn.slice(0, fixed.size);
}

/**
 * Where `cfg` says queries come from.
 *
 * @example
 * ```ts
 * const queries = buildQueries(cfg, game);
 * ```
 */
export function buildQueries<Q>(cfg: TrainConfig, game: Game<Q>): QuerySource<Q> {
  if (!cfg.queries) return challengerQueries();
  if (!isVerifiable(game)) throw new Error(`config: field queries.fixed: needs a verifiable game (its evalSet draws the prompt set); '${game.name ?? '?'}' is not`);
  return fixedQueries(fixedPromptSet(game, cfg.queries.fixed, cfg.eval), { seed: cfg.seed });
}
