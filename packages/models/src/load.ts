/**
 * One entry point for every model format: a llama2.c `.bin` file or a Hugging Face folder.
 */
import type { CausalLM, ChatFormat, Tokenizer } from '@agon/core';
import { buildArchitecture } from './architectures.js';
import { JsonFields } from './config/fields.js';
import { dirName as dirname, fileUrlPath, joinPath as join } from './files/path.js';
import { DecoderModel } from './arch/decoder.js';
import { isLlama2cTokenizer, modelFilesIO, type ModelFiles } from './files/model-files.js';
import { nodeFolderIO, readHfFolder, type FolderIO } from './hf/folder.js';
import type { BosRule } from './hf/tokenizer.js';
import { parseLlama2cCheckpoint } from './llama2c/checkpoint.js';
import { parseLlama2cTokenizer } from './llama2c/tokenizer.js';

/**
 * The llama2.c stories260K checkpoint shipped inside this package (Karpathy's tinyllamas, MIT; see
 * assets/stories260K/ATTRIBUTION.md), with its tokenizer `tok512.bin` beside it.
 *
 * @example
 * ```ts
 * const { model, tokenizer } = await loadModel(STORIES_260K);
 * ```
 */
export const STORIES_260K: string = fileUrlPath(new URL('../assets/stories260K/stories260K.bin', import.meta.url));

/**
 * Options of {@link loadModel}.
 *
 * @example
 * ```ts
 * const opts: LoadModelOptions = { tokenizer: 'models/tok512.bin' };
 * ```
 */
export interface LoadModelOptions {
  /**
   * A llama2.c `tokenizer.bin` (default: `tokenizer.bin`, then `tok<vocab>.bin`, beside the
   * checkpoint): a path, or a name among the {@link ModelFiles} loaded.
   */
  tokenizer?: string;
  /** File access for a path (default: Node's fs). */
  io?: FolderIO;
  /**
   * What a Hugging Face tokenizer's `encode(text, { bos: true })` adds: `'folder'` (default, what
   * transformers' `tokenizer(text)` adds) or `'always'` (the bos_token). See {@link BosRule}.
   * llama2.c tokenizers always add BOS, as run.c does.
   */
  bos?: BosRule;
}

/**
 * A loaded model with what is needed to talk to it.
 *
 * @example
 * ```ts
 * const { model, tokenizer, chat, eosIds } = await loadModel('models/SmolLM2-135M-Instruct');
 * ```
 */
export interface LoadedModel {
  model: CausalLM;
  tokenizer: Tokenizer;
  /** The chat template, when the folder has one. */
  chat?: ChatFormat;
  /** Ids that end generation (llama2.c: [1, 2] — stories end at BOS, where run.c stops). */
  eosIds: number[];
}

async function llama2cTokenizer(io: FolderIO, dir: string, vocabSize: number, explicit: string | undefined, what: string) {
  const candidates = explicit ? [explicit] : [join(dir, 'tokenizer.bin'), join(dir, `tok${vocabSize}.bin`)];
  for (const file of candidates) {
    if (await io.exists(file)) return parseLlama2cTokenizer(await io.readFile(file), vocabSize, file);
  }
  const fix = explicit ? 'check the tokenizer path' : `copy the llama2.c tokenizer there as ${candidates[0]} (from code: loadModel's tokenizer option)`;
  throw new Error(`${what}: no tokenizer found (looked for ${candidates.join(', ')}); ${fix}`);
}

/**
 * Loads `pathOrDir`: a llama2.c checkpoint (v0 or v1 `.bin`, tokenizer from `opts.tokenizer` or a
 * sibling `tokenizer.bin` / `tok<vocab>.bin`) or a Hugging Face folder (config.json, safetensors,
 * tokenizer.json — or a llama2.c tokenizer.bin, as {@link convertLlama2cToHf} writes — chat template,
 * eos ids). Nothing is downloaded. Select a tfjs backend first (`initBackend` from `@agon/tensor`).
 *
 * `pathOrDir` may also be {@link ModelFiles} (a folder picked or dropped in a browser, a served
 * folder, a local folder): a Hugging Face folder when they hold config.json, else one llama2.c
 * checkpoint (`*.bin`) with its tokenizer.
 *
 * @example
 * ```ts
 * import { initBackend } from '@agon/tensor';
 * await initBackend({ backend: 'wasm' });
 * const { model, tokenizer } = await loadModel(STORIES_260K);
 * const ids = await greedyGenerate(model, tokenizer.encode('Once upon a time', { bos: true }), { steps: 64 });
 * console.log(tokenizer.decode(ids));
 * model.dispose();
 * ```
 */
export async function loadModel(pathOrDir: string | ModelFiles, opts: LoadModelOptions = {}): Promise<LoadedModel> {
  if (typeof pathOrDir !== 'string') return loadModelFiles(pathOrDir, opts);
  const io = opts.io ?? nodeFolderIO;
  if (await io.exists(pathOrDir)) {
    const { config, weights } = parseLlama2cCheckpoint(await io.readFile(pathOrDir), pathOrDir);
    const tokenizer = await llama2cTokenizer(io, dirname(pathOrDir), config.vocabSize, opts.tokenizer, pathOrDir);
    const model = new DecoderModel(config, weights, { hfArchitecture: 'LlamaForCausalLM', modelType: 'llama' });
    return { model, tokenizer, eosIds: [1, 2] };
  }
  if (!(await io.exists(join(pathOrDir, 'config.json')))) {
    throw new Error(`${pathOrDir}: neither a llama2.c checkpoint file nor a Hugging Face folder with config.json`);
  }
  const hf = await readHfFolder(pathOrDir, io, opts.bos ? { bos: opts.bos } : {});
  let tokenizer: Tokenizer | undefined = hf.tokenizer;
  if (!tokenizer || opts.tokenizer) {
    const vocab = new JsonFields(hf.config, hf.configFile).integer('vocab_size', { min: 1 });
    tokenizer = await llama2cTokenizer(io, pathOrDir, vocab, opts.tokenizer, `${pathOrDir} (no tokenizer.json)`);
  }
  const model = buildArchitecture(hf.config, hf.weights, hf.configFile);
  return { model, tokenizer, ...(hf.chat ? { chat: hf.chat } : {}), eosIds: hf.eosIds };
}

async function loadModelFiles(files: ModelFiles, opts: LoadModelOptions): Promise<LoadedModel> {
  const { dir, io } = modelFilesIO(files);
  const names = await files.list();
  const tokenizer = opts.tokenizer === undefined ? {} : { tokenizer: join(dir, opts.tokenizer) };
  if (names.includes('config.json')) return loadModel(dir, { ...opts, ...tokenizer, io });
  const checkpoints = names.filter((n) => n.endsWith('.bin') && !isLlama2cTokenizer(n));
  if (checkpoints.length !== 1) {
    const found = checkpoints.length ? `${checkpoints.length} llama2.c checkpoints (${checkpoints.join(', ')}); give one` : `neither config.json nor a llama2.c checkpoint (*.bin) among ${names.length ? names.join(', ') : 'no files'}`;
    throw new Error(`${files.location}: ${found}`);
  }
  return loadModel(join(dir, checkpoints[0]), { ...opts, ...tokenizer, io });
}
