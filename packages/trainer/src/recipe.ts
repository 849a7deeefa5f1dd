/**
 * Recipes: JSON training configs shipped inside this package (`recipes/`, also reachable as the
 * repository's root `recipes/` link), so `agon train` works from an npm install too. `loadRecipe`
 * reads one (by file path, or by name) and validates it, naming the file in every error.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { parseTrainConfig, type TrainConfig } from './config.js';

/** `spec` made absolute against `base` when it is a relative file path (`./x.js`, `../x.js`); anything else (an absolute path, a package name, a URL) as it is. */
function modulePath(spec: string, base: string): string {
  return /^\.\.?[\\/]/.test(spec) ? resolve(base, spec) : spec;
}

/**
 * The recipes folder shipped with `@agon/trainer` (the repository's root `recipes/` links to it).
 *
 * @example
 * ```ts
 * const file = join(RECIPES_DIR, 'default.json');
 * ```
 */
export const RECIPES_DIR: string = fileURLToPath(new URL('../recipes', import.meta.url));

/**
 * Reads and validates a recipe: a path to a JSON file, or a name in {@link RECIPES_DIR}
 * (`default` → recipes/default.json). Returns the raw JSON (for overrides before validation; the
 * `module` paths of plug-ins made absolute, relative to the recipe file) and the file it came from; throws a clear error when the file is missing, not JSON, or invalid.
 *
 * @example
 * ```ts
 * const { raw, file } = await loadRecipe('default');
 * await train({ ...raw, seed: 3 }, { configSource: file });
 * ```
 */
export async function loadRecipe(nameOrPath: string): Promise<{ raw: Record<string, unknown>; config: TrainConfig; file: string }> {
  // A bare name (`default`) is looked up in recipes/; anything that looks like a path is used as is.
  const isName = !/[\\/]/.test(nameOrPath) && !nameOrPath.endsWith('.json');
  const file = isName && !existsSync(nameOrPath) ? join(RECIPES_DIR, `${nameOrPath}.json`) : nameOrPath;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(`${file}: recipe not found (give a JSON file path or a name in ${RECIPES_DIR})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${file}: expected a JSON object at the top level`);
  const resolved = withModulePaths(raw as Record<string, unknown>, dirname(file));
  return { raw: resolved, config: parseTrainConfig(resolved, file), file };
}

/** The recipe with its plug-in modules' relative paths made absolute (relative to the recipe's folder). */
function withModulePaths(raw: Record<string, unknown>, base: string): Record<string, unknown> {
  const fix = (entry: unknown) =>
    typeof entry === 'object' && entry !== null && typeof (entry as { module?: unknown }).module === 'string'
      ? { ...entry, module: modulePath((entry as { module: string }).module, base) }
      : entry;
  return { ...raw, ...('game' in raw ? { game: fix(raw.game) } : {}), ...(Array.isArray(raw.rewards) ? { rewards: raw.rewards.map(fix) } : {}) };
}
