/**
 * The files beside the weights that make a saved model folder complete: the tokenizer, its config,
 * the chat template and the generation config, copied from the model it was loaded from, and the
 * special token ids of its config.json.
 */
import { parseJsonObject } from './config/fields.js';
import { folderFiles, isLlama2cTokenizer, type ModelFiles } from './files/model-files.js';
import { nodeFs } from './files/node-fs.js';
import { dirName, joinPath } from './files/path.js';

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
 * The tokenizer and generation files of the model at `source` (a path, or {@link ModelFiles}): from
 * a Hugging Face folder, those of tokenizer.json, tokenizer_config.json, generation_config.json,
 * special_tokens_map.json, chat_template.jinja and tokenizer.bin it has; from a llama2.c file (or
 * files without config.json), the `tokenizer.bin` / `tok<V>.bin` beside it (as tokenizer.bin) and
 * {@link LLAMA2C_GENERATION_CONFIG}. Plus the special token ids of the source: without them in
 * config.json transformers falls back to its class defaults (GPT-2's 50256).
 *
 * @example
 * ```ts
 * const { files, tokenIds } = await tokenizerFiles('models/stories260K/stories260K.bin');
 * ```
 */
export async function tokenizerFiles(source: string | ModelFiles): Promise<SourceFiles> {
  let files: ModelFiles;
  let llama2c: boolean;
  if (typeof source === 'string') {
    const { stat } = await nodeFs(source);
    llama2c = !(await stat(source)).isDirectory();
    files = folderFiles(llama2c ? dirName(source) : source);
  } else {
    files = source;
    llama2c = !(await files.list()).includes('config.json');
  }
  const present = await files.list();
  const read = async (name: string) => (await files.read(name)) ?? new Uint8Array(0);
  if (llama2c) {
    // A llama2.c file: its tokenizer sits beside it as tokenizer.bin or tok<V>.bin.
    const tok = present.find((n) => isLlama2cTokenizer(n));
    const out: [string, Uint8Array | string][] = tok ? [['tokenizer.bin', await read(tok)]] : [];
    out.push(['generation_config.json', `${JSON.stringify(LLAMA2C_GENERATION_CONFIG, null, 2)}\n`]);
    return { files: out, tokenIds: LLAMA2C_TOKEN_IDS };
  }
  const out: [string, Uint8Array | string][] = [];
  for (const n of NAMES) if (present.includes(n)) out.push([n, await read(n)]);
  let tokenIds: Record<string, unknown> = {};
  if (present.includes('config.json')) {
    const src = parseJsonObject(await read('config.json'), joinPath(files.location, 'config.json'));
    tokenIds = Object.fromEntries(TOKEN_ID_FIELDS.filter((k) => src[k] !== undefined).map((k) => [k, src[k]]));
  }
  return { files: out, tokenIds };
}
