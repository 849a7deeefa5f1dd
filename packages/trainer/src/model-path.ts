/**
 * Where models live on disk: the embedded default model, whether a reward-model folder is a
 * sequence classifier, and the absolute path adapters name their base by. The only
 * trainer code besides the Node run IO and recipes that reads the local file system.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The embedded default model (a Hugging Face folder shipped in this package); `model: "default"`
 * in a config resolves to it.
 *
 * @example
 * ```ts
 * const { model } = await loadModel(DEFAULT_MODEL);
 * ```
 */
export const DEFAULT_MODEL: string = fileURLToPath(new URL('../assets/default-model', import.meta.url));

/**
 * Resolves `config.model` (`default` → {@link DEFAULT_MODEL}).
 *
 * @example
 * ```ts
 * const { model } = await loadModel(modelPath('default'));
 * ```
 */
export function modelPath(model: string): string {
  return model === 'default' ? DEFAULT_MODEL : model;
}

/**
 * `path` made absolute, as exported adapters name their base model (`base_model_name_or_path`), so
 * `agon eval --adapter` finds the base from any working folder.
 *
 * @example
 * ```ts
 * absoluteModelPath('models/SmolLM2-135M'); // '/home/me/project/models/SmolLM2-135M'
 * ```
 */
export function absoluteModelPath(path: string): string {
  return resolve(path);
}

/** Whether `path` is a Hugging Face folder whose config names a `*ForSequenceClassification` architecture. */
export async function isSequenceClassifier(path: string): Promise<boolean> {
  let config: { architectures?: unknown };
  try {
    config = JSON.parse(await readFile(join(path, 'config.json'), 'utf8')) as { architectures?: unknown };
  } catch {
    return false; // not a folder with a readable config: loadModel reports what is wrong
  }
  return Array.isArray(config.architectures) && config.architectures.some((a) => typeof a === 'string' && a.endsWith('ForSequenceClassification'));
}
