/**
 * A lossless tokenizer for any vocabulary size, for benchmarking models with random weights that
 * have no tokenizer of their own (the 15M-class config): ids 3–258 are the 256 bytes (as in the
 * Llama vocabulary), every other id decodes to a short made-up word, so sampled text is never
 * empty and the games see real strings.
 */
import type { Tokenizer } from '@agon/core';

const BYTE0 = 3;

/** The made-up word of a non-byte id: base-26 letters of the id, with a leading space. */
function word(id: number): string {
  let s = '';
  for (let n = id; n > 0; n = Math.floor(n / 26)) s = String.fromCharCode(97 + (n % 26)) + s;
  return ' ' + s;
}

/**
 * A {@link Tokenizer} of `vocabSize` ids (at least 259): 0 unknown, 1 BOS, 2 EOS, 3–258 bytes,
 * the rest words. `encode` writes UTF-8 bytes; `decode(encode(s)) === s`.
 *
 * @example
 * ```ts
 * const tok = syntheticTokenizer(32000);
 * tok.decode(tok.encode('Once upon a time')); // 'Once upon a time'
 * ```
 */
export function syntheticTokenizer(vocabSize: number): Tokenizer {
  if (!Number.isInteger(vocabSize) || vocabSize < BYTE0 + 256) {
    throw new Error(`syntheticTokenizer: vocabSize must be an integer >= ${BYTE0 + 256}, got ${vocabSize}`);
  }
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  return {
    bosId: 1,
    eosId: 2,
    vocabSize,
    encode(text, opts) {
      const ids = Array.from(encoder.encode(text), (b) => b + BYTE0);
      return opts?.bos ? [1, ...ids] : ids;
    },
    decode(ids) {
      let out = '';
      let bytes: number[] = [];
      const flush = () => {
        out += decoder.decode(new Uint8Array(bytes));
        bytes = [];
      };
      for (const id of ids) {
        if (id >= BYTE0 && id < BYTE0 + 256) bytes.push(id - BYTE0);
        else {
          flush();
          if (id >= BYTE0 + 256) out += word(id);
        }
      }
      flush();
      return out;
    },
  };
}
