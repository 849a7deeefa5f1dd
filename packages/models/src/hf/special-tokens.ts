/**
 * Reading special tokens and eos ids from `tokenizer_config.json`, `generation_config.json` and
 * `config.json`, where each may be a string, an AddedToken object, an int, a list or null.
 */
import { fieldError } from '../config/fields.js';
import type { JsonObject } from '../config/types.js';

/**
 * The text of a special token field: a string, `{ content: string }` (an AddedToken) or absent/null.
 *
 * @example
 * ```ts
 * specialTokenText({ bos_token: { content: '<s>' } }, 'bos_token', 'tokenizer_config.json'); // '<s>'
 * ```
 */
export function specialTokenText(config: JsonObject, field: string, file: string): string | undefined {
  const v = config[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') {
    return (v as { content: string }).content;
  }
  throw fieldError(file, field, "a string, an AddedToken object with 'content', or null", v);
}

/**
 * Token ids of an `eos_token_id`-style field: a non-negative int, a list of them, or absent/null
 * (→ []).
 *
 * @example
 * ```ts
 * tokenIdList({ eos_token_id: [2, 7] }, 'eos_token_id', 'generation_config.json'); // [2, 7]
 * ```
 */
export function tokenIdList(config: JsonObject, field: string, file: string): number[] {
  const v = config[field];
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  for (const id of list) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw fieldError(file, field, 'a token id or a list of token ids', v);
    }
  }
  return list as number[];
}
