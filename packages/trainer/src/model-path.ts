/**
 * Where models live on disk: the embedded default model, whether a reward-model folder is a
 * sequence classifier, and the absolute path adapters name their base by. The only
 * trainer code besides the Node run IO and recipes that reads the local file system (Node's
 * modules imported on first use, so a browser bundle does not need them).
 */
import { fileUrlPath, urlFiles, type ModelFiles } from '@agon/models';
import { importNodeBuiltin } from '@agon/tensor';

const nodePath = () => importNodeBuiltin<typeof import('node:path')>('node:path');

/**
 * The embedded default model (a Hugging Face folder shipped in this package); `model: "default"`
 * in a config resolves to it.
 *
 * @example
 * ```ts
 * const { model } = await loadModel(DEFAULT_MODEL);
 * ```
 */
export const DEFAULT_MODEL: string = fileUrlPath(new URL('../assets/default-model', import.meta.url));

/**
 * The files of the embedded default model ({@link DEFAULT_MODEL}'s folder, less its README), for
 * serving it to a browser.
 *
 * @example
 * ```ts
 * for (const name of DEFAULT_MODEL_FILES) copyFileSync(join(DEFAULT_MODEL, name), join('public/default-model', name));
 * ```
 */
export const DEFAULT_MODEL_FILES: readonly string[] = ['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'];

/**
 * The embedded default model served at `base` (a copy of {@link DEFAULT_MODEL_FILES}), as the
 * `modelFiles` of a `model: "default"` run in a browser.
 *
 * @example
 * ```ts
 * await train({ model: 'default', steps: 3 }, { io: memoryRunIO(), modelFiles: defaultModelFiles(new URL('default-model/', location.href)) });
 * ```
 */
export function defaultModelFiles(base: string | URL): ModelFiles {
  return urlFiles(base, DEFAULT_MODEL_FILES);
}

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
 * `path` made absolute (Node only), as exported adapters name their base model
 * (`base_model_name_or_path`), so `agon eval --adapter` finds the base from any working folder.
 *
 * @example
 * ```ts
 * await absoluteModelPath('models/SmolLM2-135M'); // '/home/me/project/models/SmolLM2-135M'
 * ```
 */
export async function absoluteModelPath(path: string): Promise<string> {
  return (await nodePath()).resolve(path);
}

/** Whether `path` is a Hugging Face folder whose config names a `*ForSequenceClassification` architecture. */
export async function isSequenceClassifier(path: string): Promise<boolean> {
  let config: { architectures?: unknown };
  try {
    const [{ readFile }, { join }] = await Promise.all([importNodeBuiltin<typeof import('node:fs/promises')>('node:fs/promises'), nodePath()]);
    config = JSON.parse(await readFile(join(path, 'config.json'), 'utf8')) as { architectures?: unknown };
  } catch {
    return false; // not a folder with a readable config: loadModel reports what is wrong
  }
  return Array.isArray(config.architectures) && config.architectures.some((a) => typeof a === 'string' && a.endsWith('ForSequenceClassification'));
}
