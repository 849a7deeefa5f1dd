/**
 * Plug-ins a recipe names by module: a game (`"game": { "module": "./my-game.js" }`) or a reward
 * (`"rewards": [{ "module": "./my-reward.js" }]`). In Node a module is imported from its path
 * (absolute, or relative to the working folder; `loadRecipe` makes a recipe's paths absolute,
 * relative to the recipe file) or a package name; in a browser from a URL (absolute, or relative to
 * the page). What it exports is checked against core's `Game` / `RewardFn`. (Objects need no
 * module: pass them to `train()` as `deps.game` / `deps.reward`.)
 */
import type { Game, RewardFn } from '@agon/core';
import { importNodeBuiltin, isNode } from '@agon/tensor';

/** A URL with a scheme of two or more letters (`https:`, `blob:`, `file:`; not a Windows drive `C:`). */
const isUrl = (spec: string) => /^[a-z][a-z\d+.-]+:/i.test(spec);

/** What `import()` is given for `spec`: a `file:` URL for a path in Node, a URL against the page in a browser. */
async function moduleUrl(spec: string): Promise<string> {
  if (isUrl(spec)) return spec;
  if (isNode()) {
    const [{ isAbsolute, resolve }, { pathToFileURL }] = await Promise.all([
      importNodeBuiltin<typeof import('node:path')>('node:path'),
      importNodeBuiltin<typeof import('node:url')>('node:url'),
    ]);
    const path = /^\.\.?[\\/]/.test(spec) ? resolve(spec) : spec;
    return isAbsolute(path) ? pathToFileURL(path).href : path;
  }
  const page = (globalThis as { location?: { href?: string } }).location?.href;
  return /^\.{0,2}\//.test(spec) && page ? new URL(spec, page).href : spec;
}

async function importModule(spec: string, field: string): Promise<Record<string, unknown>> {
  try {
    const url = await moduleUrl(spec);
    return (await import(/* webpackIgnore: true */ /* @vite-ignore */ url)) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`config: field ${field}: cannot import ${spec}: ${(e as Error).message.split('\n')[0]}`);
  }
}

const GAME_METHODS = ['challengerPrompt', 'parseQuery', 'solverPrompt'] as const;

/**
 * The game a module provides: `createGame(options)` (sync or async), or a `Game` as its default
 * export. Errors name the module and what its export lacks, or what its `challengerPrompt()`
 * returned when that is not chat messages.
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
  // The challenger prompt takes no arguments, so it is checked here, before any model runs.
  let prompt: unknown;
  try {
    prompt = (game as Game<unknown>).challengerPrompt();
  } catch (e) {
    throw new Error(`config: field game.module: ${spec}: challengerPrompt() threw: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!Array.isArray(prompt) || !prompt.every((m: { role?: unknown; content?: unknown } | null) => typeof m?.role === 'string' && typeof m.content === 'string')) {
    throw new Error(`config: field game.module: ${spec}: challengerPrompt() returned ${describe(prompt)}; expected chat messages, an array of { role, content } (e.g. [{ role: 'user', content: 'Write one word.' }])`);
  }
  return game as Game<unknown>;
}

/** A value as an error message shows it: its JSON (cut short) and its type. */
function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  const json = JSON.stringify(value) ?? String(value);
  return `${json.length > 60 ? `${json.slice(0, 57)}...` : json} (${Array.isArray(value) ? 'array' : typeof value})`;
}

/** `reward` with its results checked: one number or null per interaction, else an error naming `spec`. */
function checkedReward<Q>(spec: string, reward: RewardFn<Q>): RewardFn<Q> {
  const contract = 'a RewardFn gives one number (or null) per interaction';
  return async (batch) => {
    const out: unknown = await reward(batch);
    if (!Array.isArray(out) || out.length !== batch.length) {
      throw new Error(`reward ${spec}: returned ${Array.isArray(out) ? `${out.length} values` : describe(out)} for ${batch.length} interactions; ${contract}`);
    }
    const bad = out.findIndex((v) => v !== null && typeof v !== 'number');
    if (bad >= 0) throw new Error(`reward ${spec}: value ${bad} is ${describe(out[bad])}; ${contract}`);
    return out as (number | null)[];
  };
}

/**
 * The reward a module provides: `createReward(options)` (sync or async) returning a `RewardFn`,
 * or a `RewardFn` as its default export. Errors name the module and what its export lacks; the
 * returned function checks each result (one number or null per interaction) and names the module
 * when one is not.
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
  return checkedReward(spec, reward as RewardFn<Q>);
}
