/** The game piece: a built-in game from the config, and what the trainer asks of any game. */
import type { Game } from '@agon/core';
import { arithmeticGame, lspGame, reverseGame, sortGame, type VerifiableGame } from '@agon/game';
import type { TrainConfig } from '../config.js';

/**
 * A built-in game from its config entry; the factory's own checks become errors naming the field.
 *
 * @example
 * ```ts
 * const game = gameFromConfig({ name: 'arithmetic', options: { digits: 2 } });
 * ```
 */
export function gameFromConfig(g: TrainConfig['game']): Game<unknown> {
  let game: Game<unknown>;
  try {
    const o = g.options as never;
    game = g.name === 'arithmetic' ? arithmeticGame(o) : g.name === 'sort' ? sortGame(o) : g.name === 'reverse' ? reverseGame(o) : lspGame(o);
  } catch (e) {
    throw new Error(`config: field game.options: ${(e as Error).message}`);
  }
  if (g.challengerPrompt) {
    const text = g.challengerPrompt;
    return { ...game, challengerPrompt: () => [{ role: 'user', content: text }] } as Game<unknown>;
  }
  return game;
}

/**
 * True when `game` has an exact verifier and a seeded eval set.
 *
 * @example
 * ```ts
 * isVerifiable(arithmeticGame()); // true
 * ```
 */
export function isVerifiable<Q>(game: Game<Q>): game is VerifiableGame<Q> {
  const g = game as Partial<VerifiableGame<Q>>;
  return typeof g.verify === 'function' && typeof g.evalSet === 'function' && typeof g.formatQuery === 'function';
}

/** The text of a query for logs and text rewards: strings as is, else the game's `formatQuery`, else JSON. */
export function queryText<Q>(game: Game<Q>, q: Q): string {
  if (typeof q === 'string') return q;
  return isVerifiable(game) ? game.formatQuery(q) : JSON.stringify(q);
}
