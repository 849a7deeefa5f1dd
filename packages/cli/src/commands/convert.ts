/**
 * `agon convert`: write a model as a Hugging Face folder that transformers loads — a llama2.c
 * checkpoint converted (q/k rows to the rotate-half layout), or any model with a LoRA adapter merged
 * into its weights.
 */
import { mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { LoraModel, saveHfFolder, tokenizerFiles } from '@agon/models';
import { initBackend } from '@agon/tensor';
import { parseFlags } from '../args.js';
import { loadForCommand } from '../load.js';
import { firstLine, UsageError, type CliIO } from '../io.js';

/** Flags of `agon convert`, shown by `agon convert --help`. */
export const CONVERT_HELP = [
  'usage: agon convert (--model PATH | --adapter DIR) [--adapter DIR] --out DIR [--dtype F32|BF16|F16] [--backend B]',
  '',
  '  --model PATH    llama2.c .bin or Hugging Face folder (default: the adapter\'s base model)',
  '  --adapter DIR   PEFT LoRA folder to merge into the weights (e.g. runs/x/adapter of a LoRA run)',
  '  --out DIR       new Hugging Face folder: config.json, model.safetensors, tokenizer and generation',
  '                  files of the source (must not exist or be empty; written in full, then renamed)',
  '  --dtype D       storage dtype of the weights: F32 (default, exact), BF16 or F16',
  '  --backend B     wasm, cpu, webgpu, … (default cpu)',
];

const FLAGS = {
  model: { type: 'string' },
  adapter: { type: 'string' },
  out: { type: 'string' },
  dtype: { type: 'string' },
  backend: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const DTYPES = ['F32', 'BF16', 'F16'] as const;

/**
 * Runs `agon convert` with `args` and returns the exit code.
 *
 * @example
 * ```ts
 * await runConvert(['--model', 'stories260K.bin', '--adapter', 'runs/x/adapter', '--out', 'merged'], processIO);
 * ```
 */
export async function runConvert(args: readonly string[], io: CliIO): Promise<number> {
  const f = parseFlags('convert', args, FLAGS);
  if (f.help) {
    for (const l of CONVERT_HELP) io.out(l);
    return 0;
  }
  if (typeof f.out !== 'string') throw new UsageError('convert: --out DIR is required');
  if (typeof f.model !== 'string' && typeof f.adapter !== 'string') throw new UsageError('convert: --model PATH (or --adapter DIR) is required');
  const dtype = f.dtype ?? 'F32';
  if (!(DTYPES as readonly unknown[]).includes(dtype)) throw new UsageError(`convert: --dtype must be one of ${DTYPES.join(', ')}, got '${String(dtype)}'`);
  const out = resolve(f.out);
  const existing = await readdir(out).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? [] : Promise.reject(e)));
  if (existing.length > 0) throw new UsageError(`convert: --out ${f.out}: exists and is not empty (expected a new or empty folder)`);
  try {
    await initBackend({ backend: typeof f.backend === 'string' ? f.backend : 'cpu' });
  } catch (e) {
    throw new UsageError(`convert: --backend: ${firstLine(e)}`);
  }
  const loaded = await loadForCommand('convert', {
    model: typeof f.model === 'string' ? f.model : undefined,
    adapter: typeof f.adapter === 'string' ? f.adapter : undefined,
  });
  const model = loaded.model instanceof LoraModel ? loaded.model.merge() : loaded.model;
  // Written beside the destination, then renamed: no half-written folder under --out.
  const tmp = await mkdtemp(join(dirname(out), `.${basename(out)}.tmp-`));
  try {
    const { files, tokenIds } = await tokenizerFiles(loaded.modelPath);
    await saveHfFolder(model, tmp, { dtype: dtype as (typeof DTYPES)[number], files: Object.fromEntries(files), configFields: tokenIds });
    await rm(out, { recursive: true, force: true });
    await rename(tmp, out);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  } finally {
    model.dispose();
  }
  io.out(`agon convert: ${loaded.modelPath}${typeof f.adapter === 'string' ? ` + ${f.adapter} (merged)` : ''} → ${out}`);
  return 0;
}
