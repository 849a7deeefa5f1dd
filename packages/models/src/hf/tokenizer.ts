/**
 * `tokenizer.json` (+ `tokenizer_config.json`) through `@huggingface/tokenizers`, as a core
 * {@link Tokenizer}. `encode(text, { bos: true })` adds what the folder itself adds to one text —
 * its tokenizer.json post-processor, as transformers' `tokenizer(text)` does (BOS for Llama-style
 * folders, nothing for GPT-2 and Qwen) — or, with the `'always'` rule, the `bos_token` whenever
 * the tokenizer has one.
 */
import { Tokenizer as HfTokenizerImpl } from '@huggingface/tokenizers';
import type { Tokenizer } from '@agon/core';
import type { JsonObject } from '../config/types.js';
import { specialTokenText } from './special-tokens.js';

/**
 * Options of {@link hfTokenizer}.
 *
 * @example
 * ```ts
 * const opts: HfTokenizerOptions = { file: 'm/tokenizer.json', configFile: 'm/tokenizer_config.json', vocabSize: 64 };
 * ```
 */
export interface HfTokenizerOptions {
  /** Path of tokenizer.json, for error messages. */
  file: string;
  /** Path of tokenizer_config.json, for error messages. */
  configFile?: string;
  /** Rows of the model's embedding table (config.json `vocab_size`); default: the tokenizer's size. */
  vocabSize?: number;
  /** End-of-sequence id (e.g. from generation_config.json); default: `eos_token` of tokenizer_config.json. */
  eosId?: number;
  /** What `encode(text, { bos: true })` adds; see {@link BosRule}. Default `'folder'`. */
  bos?: BosRule;
}

/**
 * What `encode(text, { bos: true })` adds to a text.
 * - `'folder'` (default): the special tokens tokenizer.json's post-processor adds to a single text,
 *   exactly as transformers' `tokenizer(text)` (transformers 5 writes that post-processor from
 *   `add_bos_token` / `add_eos_token` when it saves a tokenizer; a folder whose post-processor is
 *   null gets nothing, as in transformers 5).
 * - `'always'`: the `bos_token` id, whenever tokenizer_config.json names one (agon's earlier rule:
 *   it puts `<|endoftext|>` before GPT-2 prompts, which transformers does not).
 *
 * @example
 * ```ts
 * const rule: BosRule = 'always';
 * ```
 */
export type BosRule = 'folder' | 'always';

/**
 * A core {@link Tokenizer} over a Hugging Face `tokenizer.json`, plus the token ⇄ id lookups.
 *
 * @example
 * ```ts
 * const tok = hfTokenizer(tokenizerJson, tokenizerConfigJson, { file: 'tokenizer.json' });
 * tok.encode('hello', { bos: true }); // as transformers' tokenizer('hello').input_ids
 * tok.decode(tok.encode('hello', { bos: true })); // 'hello'
 * ```
 */
export interface HfTokenizer extends Tokenizer {
  /** Id of a token string (special tokens included), or undefined. */
  tokenToId(token: string): number | undefined;
}

/**
 * Build a {@link HfTokenizer} from parsed `tokenizer.json` and `tokenizer_config.json`.
 *
 * @throws Error naming the file when the tokenizer cannot be built, has no eos token, or has ids
 * beyond `vocabSize`.
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * const tok = hfTokenizer(JSON.parse(readFileSync('tokenizer.json', 'utf8')),
 *   JSON.parse(readFileSync('tokenizer_config.json', 'utf8')), { file: 'tokenizer.json', vocabSize: 64 });
 * console.log(tok.encode('once upon a time'));
 * ```
 */
export function hfTokenizer(tokenizerJson: JsonObject, tokenizerConfig: JsonObject, opts: HfTokenizerOptions): HfTokenizer {
  const configFile = opts.configFile ?? 'tokenizer_config.json';
  const rule = opts.bos ?? 'folder';
  if (rule !== 'folder' && rule !== 'always') throw new Error(`hfTokenizer: option 'bos' must be 'folder' or 'always', got ${JSON.stringify(rule)}`);
  let impl: HfTokenizerImpl;
  try {
    impl = new HfTokenizerImpl(tokenizerJson, tokenizerConfig);
  } catch (e) {
    throw new Error(`${opts.file}: cannot build the tokenizer (${(e as Error).message})`, { cause: e });
  }
  const idOf = (field: string): number | undefined => {
    const text = specialTokenText(tokenizerConfig, field, configFile);
    if (text === undefined) return undefined;
    const id = impl.token_to_id(text);
    if (id === undefined) throw new Error(`${configFile}: field '${field}' names token ${JSON.stringify(text)}, which ${opts.file} does not have`);
    return id;
  };
  const bosId = idOf('bos_token');
  // Checked even when generation_config.json gives the id: chat templates print eos_token's text.
  const eosToken = idOf('eos_token');
  const eosId = opts.eosId ?? eosToken;
  if (eosId === undefined) {
    throw new Error(`${configFile}: no end-of-sequence token: expected field 'eos_token' (or eos_token_id in generation_config.json)`);
  }
  let maxId = -1;
  for (const id of impl.get_vocab(true).values()) maxId = Math.max(maxId, id);
  const vocabSize = opts.vocabSize ?? maxId + 1;
  if (maxId >= vocabSize) {
    throw new Error(`${opts.file}: token id ${maxId} does not fit the model's vocab_size ${vocabSize} (expected ids < ${vocabSize})`);
  }
  return {
    bosId,
    eosId,
    vocabSize,
    encode(text, o) {
      if (o?.bos && rule === 'folder') return impl.encode(text, { add_special_tokens: true }).ids;
      const ids = impl.encode(text, { add_special_tokens: false }).ids;
      return o?.bos && bosId !== undefined ? [bosId, ...ids] : ids;
    },
    // Ids past the tokenizer's vocabulary (embedding rows kept for padding) have no text: dropped, as
    // Hugging Face tokenizers drops them.
    decode: (ids) => {
      const known = ids.filter((id) => impl.id_to_token(id) !== undefined);
      // The tokenizers library refuses an empty list; nothing to decode is the empty text.
      return known.length > 0 ? impl.decode(known, { skip_special_tokens: true }) : '';
    },
    tokenToId: (token) => impl.token_to_id(token),
  };
}
