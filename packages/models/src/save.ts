/**
 * Saving a model as a Hugging Face folder (config.json + model.safetensors) that loadModel reads
 * back. Every file is written atomically (temp file + rename).
 */
import { nodeFs } from './files/node-fs.js';
import { joinPath as join } from './files/path.js';
import type { CausalLM } from '@agon/core';
import { isHfExportable } from './hf-exportable.js';
import { writeFileAtomic } from './safetensors/atomic.js';
import type { FloatDtype } from './safetensors/dtypes.js';
import { encodeHostTensors, serializeSafetensors } from './safetensors/serialize.js';

/**
 * Options of {@link saveHfFolder}.
 *
 * @example
 * ```ts
 * const opts: SaveHfOptions = { dtype: 'BF16', files: { 'generation_config.json': '{"eos_token_id": 2}' } };
 * ```
 */
export interface SaveHfOptions {
  /** Storage dtype of the weights (default F32, exact). */
  dtype?: FloatDtype;
  /** Extra files to write beside the weights, by name (e.g. tokenizer.json, generation_config.json). */
  files?: Readonly<Record<string, Uint8Array | string>>;
  /** Fields added to config.json (e.g. the source's `bos_token_id`, `eos_token_id`). */
  configFields?: Readonly<Record<string, unknown>>;
}

/**
 * The files of `model` as a Hugging Face folder, in the order to write them: `model.safetensors`,
 * `opts.files`, then `config.json` last (a folder is only recognised once its weights are
 * complete). Hugging Face layout: llama2.c models get their q/k rows permuted to the rotate-half
 * RoPE layout. The model must implement `exportHf` (every architecture of this package does).
 *
 * @example
 * ```ts
 * for (const [name, data] of await hfFolderFiles(model)) console.log(name, data.length);
 * ```
 */
export async function hfFolderFiles(model: CausalLM, opts: SaveHfOptions = {}): Promise<[string, Uint8Array | string][]> {
  if (!isHfExportable(model)) {
    throw new Error(`saveHfFolder: the model (${model.config.architecture}) has no exportHf(); it cannot be written as a Hugging Face folder`);
  }
  const { config, tensors } = await model.exportHf();
  return [
    ['model.safetensors', serializeSafetensors({ tensors: encodeHostTensors(tensors, opts.dtype ?? 'F32'), metadata: { format: 'pt' } })],
    ...Object.entries(opts.files ?? {}),
    ['config.json', `${JSON.stringify({ ...config, ...opts.configFields }, null, 2)}\n`],
  ];
}

/**
 * Writes `model` to `dir` (created if needed) as {@link hfFolderFiles} lists them, each file
 * atomically.
 *
 * @example
 * ```ts
 * await saveHfFolder(model, 'out/my-model', { files: { 'generation_config.json': '{"eos_token_id": 2}' } });
 * const again = await loadModel('out/my-model');
 * ```
 */
export async function saveHfFolder(model: CausalLM, dir: string, opts: SaveHfOptions = {}): Promise<void> {
  const files = await hfFolderFiles(model, opts);
  await (await nodeFs(dir)).mkdir(dir, { recursive: true });
  for (const [name, data] of files) await writeFileAtomic(join(dir, name), data);
}
