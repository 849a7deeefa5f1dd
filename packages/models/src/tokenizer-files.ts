/**
 * The files beside the weights that make a saved model folder complete: the tokenizer, its config,
 * the chat template and the generation config, copied from the model it was loaded from, and the
 * special token ids of its config.json.
 */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseJsonObject } from './config/fields.js';

/** What generation_config.json says for a llama2.c model: stories end at BOS as well as EOS, where run.c stops. */
export const LLAMA2C_GENERATION_CONFIG = { bos_token_id: 1, eos_token_id: [1, 2] } as const;

/** config.json's special token ids for a llama2.c model (BOS 1, EOS 2, as its tokenizer has them). */
const LLAMA2C_TOKEN_IDS = { bos_token_id: 1, eos_token_id: 2 };
const TOKEN_ID_FIELDS = ['bos_token_id', 'eos_token_id', 'pad_token_id'];

const NAMES = ['tokenizer.json', 'tokenizer_config.json', 'generation_config.json', 'special_tokens_map.json', 'chat_template.jinja', 'tokenizer.bin'];

/**
 * What a saved folder needs from the model it came from: the files to write beside the weights
 * and the special token ids its config.json must carry.
 *
 * @example
 * ```ts
 * const { files, tokenIds } = await tokenizerFiles('models/SmolLM2-135M');
 * ```
 */
export interface SourceFiles {
  /** By name, in the order to write them. */
  files: [string, Uint8Array | string][];
  /** `bos_token_id`, `eos_token_id`, `pad_token_id` as the source has them (1 and 2 for llama2.c). */
  tokenIds: Record<string, unknown>;
}

/**
 * The tokenizer and generation files of the model at `source`: from a Hugging Face folder, those
 * of tokenizer.json, tokenizer_config.json, generation_config.json, special_tokens_map.json,
 * chat_template.jinja and tokenizer.bin it has; from a llama2.c file, the `tokenizer.bin` /
 * `tok<V>.bin` beside it (as tokenizer.bin) and {@link LLAMA2C_GENERATION_CONFIG}. Plus the special
 * token ids of the source: without them in config.json transformers falls back to its class
 * defaults (GPT-2's 50256).
 *
 * @example
 * ```ts
 * const { files, tokenIds } = await tokenizerFiles('models/stories260K/stories260K.bin');
 * ```
 */
export async function tokenizerFiles(source: string): Promise<SourceFiles> {
  let present: string[];
  try {
    present = await readdir(source);
  } catch {
    // A llama2.c file: its tokenizer sits beside it as tokenizer.bin or tok<V>.bin.
    const folder = dirname(source);
    const tok = (await readdir(folder)).find((n) => /^tok(enizer|\d+)\.bin$/.test(n));
    const files: [string, Uint8Array | string][] = tok ? [['tokenizer.bin', new Uint8Array(await readFile(join(folder, tok)))]] : [];
    files.push(['generation_config.json', `${JSON.stringify(LLAMA2C_GENERATION_CONFIG, null, 2)}\n`]);
    return { files, tokenIds: LLAMA2C_TOKEN_IDS };
  }
  const files: [string, Uint8Array | string][] = [];
  for (const n of NAMES) if (present.includes(n)) files.push([n, new Uint8Array(await readFile(join(source, n)))]);
  let tokenIds: Record<string, unknown> = {};
  if (present.includes('config.json')) {
    const file = join(source, 'config.json');
    const src = parseJsonObject(await readFile(file), file);
    tokenIds = Object.fromEntries(TOKEN_ID_FIELDS.filter((k) => src[k] !== undefined).map((k) => [k, src[k]]));
  }
  return { files, tokenIds };
}
