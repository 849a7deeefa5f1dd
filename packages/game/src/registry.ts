/**
 * The built-in games by name: the one list the trainer's config, `agon train` and `agon eval` read.
 */
import type { Game } from '@agon/core';
import { arithmeticGame } from './arithmetic-game.js';
import { reverseGame, sortGame } from './list-games.js';
import { lspGame } from './lsp-game.js';

const GAMES = {
  arithmetic: (o: object) => arithmeticGame(o),
  sort: (o: object) => sortGame(o),
  reverse: (o: object) => reverseGame(o),
  lsp: (o: object) => lspGame(o),
} as const;

/** A built-in game's name. */
export type GameName = keyof typeof GAMES;

/**
 * Names of the built-in games: `arithmetic`, `sort`, `reverse` (verifiable, exact reward) and `lsp`
 * (open-ended).
 *
 * @example
 * ```ts
 * GAME_NAMES.includes('sort'); // true
 * ```
 */
export const GAME_NAMES = Object.keys(GAMES) as readonly GameName[];

/**
 * A built-in game by name, built with `options` (the factory checks them).
 *
 * @throws Error naming the known games for an unknown name, or the factory's error for bad options.
 * @example
 * ```ts
 * const game = gameByName('arithmetic', { digits: 2, ops: ['+'] });
 * ```
 */
export function gameByName(name: string, options: object = {}): Game<unknown> {
  const make = (GAMES as Record<string, ((o: object) => Game<unknown>) | undefined>)[name];
  if (!Object.hasOwn(GAMES, name) || !make) throw new Error(`unknown game ${JSON.stringify(name)}; expected one of ${GAME_NAMES.join(', ')}`);
  return make(options);
}
