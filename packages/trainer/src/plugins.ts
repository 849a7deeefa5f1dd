/**
 * Plug-ins a recipe names by module: a game (`"game": { "module": "./my-game.js" }`) or a reward
 * (`"rewards": [{ "module": "./my-reward.js" }]`). A module is imported from its path (absolute,
 * or relative to the working folder; `loadRecipe` makes a recipe's paths absolute, relative to the
 * recipe file) and what it exports is checked against core's `Game` / `RewardFn`.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Game, RewardFn } from '@agon/core';

/**
 * `spec` as an absolute path when it is a relative file path (`./x.js`, `../x.js`), resolved
 * against `base`; anything else (an absolute path, a package name) as it is.
 *
 * @example
 * ```ts
 * modulePath('./my-game.js', '/home/me/recipes'); // '/home/me/recipes/my-game.js'
 * ```
 */
export function modulePath(spec: string, base: string): string {
  return /^\.\.?[\\/]/.test(spec) ? resolve(base, spec) : spec;
}

async function importModule(spec: string, field: string): Promise<Record<string, unknown>> {
  const path = modulePath(spec, process.cwd());
  const url = isAbsolute(path) ? pathToFileURL(path).href : path;
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`config: field ${field}: cannot import ${spec}: ${(e as Error).message.split('\n')[0]}`);
  }
}

const GAME_METHODS = ['challengerPrompt', 'parseQuery', 'solverPrompt'] as const;

/**
 * The game a module provides: `createGame(options)` (sync or async), or a `Game` as its default
 * export. Errors name the module and what its export lacks.
 *
 * @example
 * ```ts
 * const game = await loadGameModule('/abs/my-game.js', { size: 3 });
 * ```
 */
export async function loadGameModule(spec: string, options: Record<string, unknown>): Promise<Game<unknown>> {
  const mod = await importModule(spec, 'game.module');
  let game: unknown;
  if (typeof mod.createGame === 'function') {
    try {
      game = await (mod.createGame as (o: unknown) => unknown)(options);
    } catch (e) {
      throw new Error(`config: field game.options: ${spec}: ${(e as Error).message.split('\n')[0]}`);
    }
  } else if (mod.default !== undefined) {
    game = mod.default;
  } else {
    throw new Error(`config: field game.module: ${spec} exports neither createGame(options) nor a default Game`);
  }
  const missing = GAME_METHODS.filter((m) => typeof (game as Record<string, unknown> | null)?.[m] !== 'function');
  if (typeof game !== 'object' || game === null || missing.length) {
    throw new Error(`config: field game.module: ${spec}: the game lacks ${missing.map((m) => `${m}()`).join(', ')} (a core Game has challengerPrompt(), parseQuery(text) and solverPrompt(query))`);
  }
  return game as Game<unknown>;
}

/**
 * The reward a module provides: `createReward(options)` (sync or async) returning a `RewardFn`,
 * or a `RewardFn` as its default export. Errors name the module and what its export lacks.
 *
 * @example
 * ```ts
 * const reward = await loadRewardModule('/abs/short-answers.js', { maxLength: 8 });
 * ```
 */
export async function loadRewardModule<Q>(spec: string, options: Record<string, unknown>): Promise<RewardFn<Q>> {
  const mod = await importModule(spec, 'rewards[].module');
  let reward: unknown;
  if (typeof mod.createReward === 'function') {
    try {
      reward = await (mod.createReward as (o: unknown) => unknown)(options);
    } catch (e) {
      throw new Error(`config: field rewards[].options: ${spec}: ${(e as Error).message.split('\n')[0]}`);
    }
    if (typeof reward !== 'function') throw new Error(`config: field rewards[].module: ${spec}: createReward() returned ${typeof reward}; it must return a RewardFn (async (batch) => number[])`);
  } else if (typeof mod.default === 'function') {
    reward = mod.default;
  } else {
    throw new Error(`config: field rewards[].module: ${spec} exports neither createReward(options) nor a default RewardFn (async (batch) => number[])`);
  }
  return reward as RewardFn<Q>;
}
