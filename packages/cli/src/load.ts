/**
 * Loading the model of `agon generate` / `agon eval`: a llama2.c file or Hugging Face folder, with a
 * PEFT LoRA folder (`--adapter`, e.g. a LoRA run's `runs/x/adapter`) applied on top.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ADAPTER_CONFIG, loadLoraAdapters, loadModel, type BosRule, type LoadedModel } from '@agon/models';
import { firstLine, UsageError } from './io.js';

/**
 * The base model an adapter folder names (`base_model_name_or_path` of adapter_config.json), when
 * it is set; undefined when the field is null or absent.
 *
 * @throws UsageError naming the file when adapter_config.json is missing or not a JSON object.
 * @example
 * ```ts
 * await adapterBase('runs/x/adapter'); // '/…/stories260K.bin'
 * ```
 */
export async function adapterBase(command: string, adapter: string): Promise<string | undefined> {
  const file = join(adapter, ADAPTER_CONFIG);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found (expected a PEFT LoRA folder)' : `not valid JSON (${firstLine(e)})`;
    throw new UsageError(`${command}: --adapter ${adapter}: ${file}: ${why}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new UsageError(`${command}: --adapter ${adapter}: ${file}: expected a JSON object`);
  const base = (json as Record<string, unknown>)['base_model_name_or_path'];
  if (base === undefined || base === null) return undefined;
  if (typeof base !== 'string') {
    throw new UsageError(`${command}: --adapter ${adapter}: ${file}: field 'base_model_name_or_path' must be a path or null (found ${JSON.stringify(base)})`);
  }
  return base;
}

/**
 * Loads the model and, with `adapter`, its LoRA adapters: the returned model is the adapted one
 * (dispose it to free both). The model is `model` when given, else the adapter's
 * `base_model_name_or_path` when that is a local file or folder, else `fallback`; `bos` is the
 * tokenizer's BOS rule (see `BosRule` in @agon/models). Errors are one-line
 * {@link UsageError}s naming the flag and the file.
 *
 * @example
 * ```ts
 * const loaded = await loadForCommand('eval', { adapter: 'runs/x/adapter' }); // the base the run trained
 * ```
 */
export async function loadForCommand(
  command: string,
  opts: { model?: string; adapter?: string; fallback?: string; bos?: BosRule },
): Promise<LoadedModel & { modelPath: string }> {
  const { adapter } = opts;
  let path = opts.model;
  if (path === undefined && adapter !== undefined) {
    const base = await adapterBase(command, adapter);
    if (base !== undefined && !existsSync(base)) {
      throw new UsageError(`${command}: --adapter ${adapter}: its base model '${base}' (base_model_name_or_path) is not a local file or folder; pass --model PATH`);
    }
    path = base;
  }
  path ??= opts.fallback;
  if (path === undefined) throw new UsageError(`${command}: --model PATH is required (or --adapter DIR whose adapter_config.json names a local base model)`);
  let loaded: LoadedModel;
  try {
    loaded = await loadModel(path, opts.bos ? { bos: opts.bos } : {});
  } catch (e) {
    throw new UsageError(`${command}: --model ${path}: ${firstLine(e)}`);
  }
  if (adapter === undefined) return { ...loaded, modelPath: path };
  try {
    return { ...loaded, model: await loadLoraAdapters(loaded.model, adapter), modelPath: path };
  } catch (e) {
    loaded.model.dispose();
    throw new UsageError(`${command}: --adapter ${adapter}: ${firstLine(e)}`);
  }
}
