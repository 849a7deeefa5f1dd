/** The game piece: a built-in game from the config, and what the trainer asks of any game. */
import type { Game } from '@agon/core';
import { gameByName, type VerifiableGame } from '@agon/game';
import type { TrainConfig } from '../config.js';
import { loadGameModule } from '../plugins.js';

/**
 * The game of a config entry: a built-in by `name` (from `@agon/game`'s registry) or a module's
 * own; the factory's checks become errors naming the field.
 *
 * @example
 * ```ts
 * const game = await gameFromConfig({ name: 'arithmetic', options: { digits: 2 } });
 * ```
 */
export async function gameFromConfig(g: TrainConfig['game']): Promise<Game<unknown>> {
  let game: Game<unknown>;
  if (g.module !== undefined) {
    game = await loadGameModule(g.module, g.options);
  } else {
    try {
      game = gameByName(g.name ?? '', g.options);
    } catch (e) {
      throw new Error(`config: field game.options: ${(e as Error).message}`);
    }
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
