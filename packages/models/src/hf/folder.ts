/**
 * Reads a Hugging Face model folder from disk: config.json, the safetensors weights (single or
 * sharded), the tokenizer, the chat template and the eos ids. Building the model from it is the
 * architecture registry's job (`buildArchitecture`).
 */
import type { ChatFormat } from '@agon/core';
import { nodeFs } from '../files/node-fs.js';
import { joinPath as join } from '../files/path.js';
import { parseSafetensors } from '../safetensors/parse.js';
import { readShardedSafetensors, safetensorsWeightSource } from '../safetensors/source.js';
import type { WeightSource } from '../weights.js';
import { chatTemplateText, jinjaChatFormat } from './chat.js';
import { fieldError, JsonFields, parseJsonObject } from '../config/fields.js';
import type { JsonObject } from '../config/types.js';
import { specialTokenText, tokenIdList } from './special-tokens.js';
import { hfTokenizer, type BosRule, type HfTokenizer } from './tokenizer.js';

/**
 * File access used by {@link readHfFolder}; injected so tests and other runtimes can supply their own.
 *
 * @example
 * ```ts
 * const files = new Map<string, Uint8Array>();
 * const io: FolderIO = { exists: async (p) => files.has(p), readFile: async (p) => files.get(p)! };
 * ```
 */
export interface FolderIO {
  readFile(path: string): Promise<Uint8Array>;
  exists(path: string): Promise<boolean>;
}

/**
 * Node's file system (the default of {@link readHfFolder}).
 *
 * @example
 * ```ts
 * await nodeFolderIO.exists('model/config.json');
 * ```
 */
export const nodeFolderIO: FolderIO = {
  readFile: async (path) => (await nodeFs(path)).readFile(path),
  exists: async (path) =>
    (await nodeFs(path)).stat(path).then(
      (s) => s.isFile(),
      () => false,
    ),
};

/**
 * What a Hugging Face folder holds, read and validated but not yet built into a model.
 *
 * @example
 * ```ts
 * const hf: HfFolder = await readHfFolder('models/SmolLM-135M');
 * hf.config.architectures; // ['LlamaForCausalLM']
 * ```
 */
export interface HfFolder {
  dir: string;
  /** Path of config.json (for error messages). */
  configFile: string;
  /** config.json as parsed JSON; each architecture validates the fields it reads. */
  config: JsonObject;
  /** The weights keyed by checkpoint name, converted to float32 on `get`. */
  weights: WeightSource;
  /** From tokenizer.json (+ tokenizer_config.json), when the folder has one. */
  tokenizer?: HfTokenizer;
  /**
   * From `chat_template` in tokenizer_config.json or chat_template.jinja, when present. Templates
   * that print `bos_token` themselves (Llama 2/3) need `encode(text, { bos: false })` afterwards.
   */
  chat?: ChatFormat;
  /** Ids that end generation: generation_config.json, else config.json, else the tokenizer's eos. */
  eosIds: number[];
}

async function readJson(io: FolderIO, path: string): Promise<JsonObject> {
  return parseJsonObject(await io.readFile(path), path);
}

/**
 * Read a Hugging Face model folder: `config.json`; `model.safetensors` or
 * `model.safetensors.index.json` + shards (F32/F16/BF16 → float32); `tokenizer.json` +
 * `tokenizer_config.json`; the chat template; eos ids from `generation_config.json`. `opts.bos`
 * chooses what the tokenizer's `encode(text, { bos: true })` adds (see {@link BosRule}).
 *
 * @throws Error naming the file and field when something is missing or malformed.
 * @example
 * ```ts
 * const hf = await readHfFolder('models/Qwen2.5-0.5B-Instruct');
 * const model = buildArchitecture(hf.config, hf.weights, hf.configFile);
 * const prompt = hf.chat?.render([{ role: 'user', content: 'hi' }], { addGenerationPrompt: true });
 * ```
 */
export async function readHfFolder(dir: string, io: FolderIO = nodeFolderIO, opts: { bos?: BosRule } = {}): Promise<HfFolder> {
  const configFile = join(dir, 'config.json');
  if (!(await io.exists(configFile))) throw new Error(`${dir}: not a Hugging Face model folder (config.json not found)`);
  const config = await readJson(io, configFile);
  const vocabSize = new JsonFields(config, configFile).optInteger('vocab_size', { min: 1 });

  let weights: WeightSource;
  const single = join(dir, 'model.safetensors');
  const index = join(dir, 'model.safetensors.index.json');
  if (await io.exists(single)) {
    weights = safetensorsWeightSource([parseSafetensors(await io.readFile(single), single)], single);
  } else if (await io.exists(index)) {
    weights = await readShardedSafetensors(index, (p) => io.readFile(p));
  } else {
    throw new Error(`${dir}: no model.safetensors or model.safetensors.index.json (PyTorch .bin weights are not read; save them as safetensors)`);
  }

  const genFile = join(dir, 'generation_config.json');
  let eosIds = (await io.exists(genFile)) ? tokenIdList(await readJson(io, genFile), 'eos_token_id', genFile) : [];
  let eosFile = genFile;
  if (eosIds.length === 0) {
    eosIds = tokenIdList(config, 'eos_token_id', configFile);
    eosFile = configFile;
  }

  const tokFile = join(dir, 'tokenizer.json');
  const tokConfigFile = join(dir, 'tokenizer_config.json');
  const tokConfig = (await io.exists(tokConfigFile)) ? await readJson(io, tokConfigFile) : {};
  let tokenizer: HfTokenizer | undefined;
  if (await io.exists(tokFile)) {
    tokenizer = hfTokenizer(await readJson(io, tokFile), tokConfig, {
      file: tokFile,
      configFile: tokConfigFile,
      vocabSize,
      eosId: eosIds[0],
      ...(opts.bos ? { bos: opts.bos } : {}),
    });
    if (eosIds.length === 0) eosIds = [tokenizer.eosId];
  }
  const outside = vocabSize === undefined ? undefined : eosIds.find((id) => id >= vocabSize);
  if (outside !== undefined) {
    throw fieldError(eosFile, 'eos_token_id', `token ids below vocab_size ${String(vocabSize)} (of ${configFile})`, outside);
  }

  const jinjaFile = join(dir, 'chat_template.jinja');
  let template = chatTemplateText(tokConfig['chat_template'], tokConfigFile);
  let templateFile = tokConfigFile;
  if (template === undefined && (await io.exists(jinjaFile))) {
    template = new TextDecoder().decode(await io.readFile(jinjaFile));
    templateFile = jinjaFile;
  }
  let chat: ChatFormat | undefined;
  if (template !== undefined) {
    const specials: Record<string, string> = {};
    for (const field of ['bos_token', 'eos_token', 'unk_token', 'pad_token']) {
      const text = specialTokenText(tokConfig, field, tokConfigFile);
      if (text !== undefined) specials[field] = text;
    }
    chat = jinjaChatFormat(template, specials, templateFile);
  }
  return { dir, configFile, config, weights, ...(tokenizer ? { tokenizer } : {}), ...(chat ? { chat } : {}), eosIds };
}
