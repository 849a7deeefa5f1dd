/**
 * Recipes: JSON training configs shipped inside this package (`recipes/`, also reachable as the
 * repository's root `recipes/` link), so `agon train` works from an npm install too. `loadRecipe`
 * reads one (by file path, or by name) and validates it, naming the file in every error.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parseTrainConfig, type TrainConfig } from './config.js';

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
 * (`default` → recipes/default.json). Returns the raw JSON (for overrides before validation) and
 * the file it came from; throws a clear error when the file is missing, not JSON, or invalid.
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
  return { raw: raw as Record<string, unknown>, config: parseTrainConfig(raw, file), file };
}
