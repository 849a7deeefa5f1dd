/**
 * Saving a model as a Hugging Face folder (config.json + model.safetensors) that loadModel reads
 * back. Every file is written atomically (temp file + rename).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CausalLM } from '@agon/core';
import { isHfExportable } from './hf-exportable.js';
import { writeFileAtomic } from './safetensors/atomic.js';
import type { FloatDtype } from './safetensors/dtypes.js';
import { encodeHostTensors, writeSafetensors } from './safetensors/serialize.js';

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
}

/**
 * Writes `model` to `dir` (created if needed) as `config.json` + `model.safetensors`, in Hugging
 * Face layout (llama2.c models get their q/k rows permuted to the rotate-half RoPE layout), plus
 * `opts.files`. The model must implement `exportHf` (every architecture of this package does).
 *
 * @example
 * ```ts
 * await saveHfFolder(model, 'out/my-model', { files: { 'generation_config.json': '{"eos_token_id": 2}' } });
 * const again = await loadModel('out/my-model');
 * ```
 */
export async function saveHfFolder(model: CausalLM, dir: string, opts: SaveHfOptions = {}): Promise<void> {
  if (!isHfExportable(model)) {
    throw new Error(`saveHfFolder: the model (${model.config.architecture}) has no exportHf(); it cannot be written as a Hugging Face folder`);
  }
  const { config, tensors } = await model.exportHf();
  await mkdir(dir, { recursive: true });
  await writeSafetensors(join(dir, 'model.safetensors'), {
    tensors: encodeHostTensors(tensors, opts.dtype ?? 'F32'),
    metadata: { format: 'pt' },
  });
  for (const [name, data] of Object.entries(opts.files ?? {})) await writeFileAtomic(join(dir, name), data);
  // config.json last: a folder is only recognised once its weights are complete.
  await writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
}
