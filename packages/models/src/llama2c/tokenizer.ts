/**
 * llama2.c's `tokenizer.bin` and its BPE, reproducing run.c's `encode` / `decode` / `safe_printf`
 * byte for byte. The file: uint32 max_token_length, then per token float32 score, int32 length and
 * that many bytes. The vocabulary size is not in the file: it comes from the checkpoint.
 */
import type { Tokenizer } from '@agon/core';

const BOS = 1;
const EOS = 2;

/** Bytes → a JS string with one char per byte, so byte sequences can key a Map. */
function byteString(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

/**
 * A llama2.c tokenizer: BOS is 1, EOS is 2, byte fallback through `<0xNN>` tokens (ids 3..258).
 *
 * @example
 * ```ts
 * const tok = parseLlama2cTokenizer(readFileSync('tok512.bin'), 512, 'tok512.bin');
 * tok.encode('Once upon a time', { bos: true }); // [1, 403, 407, 261, 378]
 * ```
 */
export class Llama2cTokenizer implements Tokenizer {
  readonly bosId = BOS;
  readonly eosId = EOS;
  readonly vocabSize: number;
  /** Raw bytes of each token, as stored in the file. */
  readonly pieces: readonly Uint8Array[];
  /** Merge score of each token (higher merges first). */
  readonly scores: Float32Array;
  /** Piece (up to its first NUL, as C's strcmp sees it) → id. */
  private readonly lookup = new Map<string, number>();
  private readonly keys: string[];

  constructor(pieces: readonly Uint8Array[], scores: Float32Array) {
    this.pieces = pieces;
    this.scores = scores;
    this.vocabSize = pieces.length;
    this.keys = pieces.map((p) => {
      const nul = p.indexOf(0);
      return byteString(nul >= 0 ? p.subarray(0, nul) : p);
    });
    // run.c binary-searches a sorted copy; with duplicate pieces the lowest id is kept here.
    this.keys.forEach((k, id) => {
      if (!this.lookup.has(k)) this.lookup.set(k, id);
    });
  }

  /**
   * run.c `encode`: optional BOS, a dummy-prefix space token when the text is non-empty, one token
   * per UTF-8 character (or its bytes + 3 when the character is not in the vocabulary), then
   * repeated merges of the adjacent pair whose merged piece has the highest score (first wins ties).
   */
  encode(text: string, opts: { bos?: boolean } = {}): number[] {
    const bytes = new TextEncoder().encode(text);
    const tokens: number[] = [];
    if (opts.bos) tokens.push(BOS);
    if (bytes.length > 0) {
      const space = this.lookup.get(' ');
      if (space === undefined) throw new Error('Llama2cTokenizer.encode: the vocabulary has no " " token for the dummy prefix');
      tokens.push(space);
    }
    for (let i = 0; i < bytes.length; ) {
      let j = i + 1;
      // A UTF-8 character: a lead byte plus continuation bytes (10xxxxxx), at most 4 bytes as run.c.
      while (j < bytes.length && (bytes[j] & 0xc0) === 0x80 && j - i < 4) j++;
      const id = this.lookup.get(byteString(bytes.subarray(i, j)));
      if (id !== undefined) tokens.push(id);
      else for (let b = i; b < j; b++) tokens.push(bytes[b] + 3);
      i = j;
    }
    for (;;) {
      let bestScore = -1e10;
      let bestId = -1;
      let bestIdx = -1;
      for (let i = 0; i + 1 < tokens.length; i++) {
        const id = this.lookup.get(this.keys[tokens[i]] + this.keys[tokens[i + 1]]);
        if (id !== undefined && this.scores[id] > bestScore) {
          bestScore = this.scores[id];
          bestId = id;
          bestIdx = i;
        }
      }
      if (bestIdx < 0) break;
      tokens.splice(bestIdx, 2, bestId);
    }
    return tokens;
  }

  /**
   * The bytes run.c prints for `token` after `prev`: the leading space is dropped after BOS,
   * `<0xNN>` becomes byte NN, and (as `safe_printf`) a lone ASCII control byte other than
   * whitespace prints nothing. One deliberate difference: `safe_printf` also drops lone bytes
   * ≥ 0x80, which loses every non-ASCII character spelled with byte tokens; they are kept here so
   * that `decode([BOS, ...encode(text)]) === text`.
   */
  decodeBytes(prev: number, token: number): Uint8Array {
    if (!Number.isInteger(token) || token < 0 || token >= this.vocabSize) {
      throw new Error(`Llama2cTokenizer.decode: token id ${token} is outside 0..${this.vocabSize - 1}`);
    }
    let piece = this.pieces[token];
    const nul = piece.indexOf(0);
    if (nul >= 0) piece = piece.subarray(0, nul); // printf("%s") stops at NUL
    if (prev === BOS && piece[0] === 0x20) piece = piece.subarray(1);
    const m = /^<0x([0-9A-Fa-f]{1,2})/.exec(byteString(piece));
    if (m) piece = Uint8Array.of(parseInt(m[1], 16));
    if (piece.length === 1) {
      const b = piece[0];
      const printable = (b >= 0x20 && b <= 0x7e) || b >= 0x80;
      const space = b === 0x20 || (b >= 0x09 && b <= 0x0d);
      if (!printable && !space) return new Uint8Array(0);
    }
    return piece;
  }

  /** Text of `ids` as run.c prints it; BOS and EOS print nothing but BOS still strips the next leading space. */
  decode(ids: readonly number[]): string {
    const parts: Uint8Array[] = [];
    let prev = -1;
    for (const id of ids) {
      if (id !== BOS && id !== EOS) parts.push(this.decodeBytes(prev, id));
      prev = id;
    }
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return new TextDecoder().decode(out);
  }
}

/**
 * Parses a llama2.c `tokenizer.bin` with `vocabSize` tokens (from the checkpoint header). Rejects,
 * with an error naming `file`, the token and the field: a truncated file, a negative or oversized
 * token length, a non-finite score, and trailing bytes.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * const tok = parseLlama2cTokenizer(readFileSync('tok512.bin'), 512, 'tok512.bin');
 * ```
 */
export function parseLlama2cTokenizer(bytes: Uint8Array, vocabSize: number, file: string): Llama2cTokenizer {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 4) throw new Error(`${file}: truncated tokenizer.bin: ${bytes.byteLength} bytes, expected at least 4`);
  const maxLen = dv.getUint32(0, true);
  const pieces: Uint8Array[] = [];
  const scores = new Float32Array(vocabSize);
  let at = 4;
  for (let i = 0; i < vocabSize; i++) {
    if (at + 8 > bytes.byteLength) {
      throw new Error(`${file}: truncated tokenizer.bin: token ${i} of ${vocabSize} starts at byte ${at} but the file has ${bytes.byteLength} (does the checkpoint's vocab_size match this tokenizer?)`);
    }
    scores[i] = dv.getFloat32(at, true);
    const len = dv.getInt32(at + 4, true);
    if (!Number.isFinite(scores[i])) throw new Error(`${file}: token ${i} field 'score' is ${scores[i]}; expected a finite number`);
    if (len < 0 || len > maxLen) throw new Error(`${file}: token ${i} field 'length' is ${len}; expected 0..${maxLen} (max_token_length)`);
    at += 8;
    if (at + len > bytes.byteLength) throw new Error(`${file}: truncated tokenizer.bin: token ${i} needs ${len} bytes at byte ${at}, the file has ${bytes.byteLength}`);
    pieces.push(Uint8Array.from(bytes.subarray(at, at + len)));
    at += len;
  }
  if (at !== bytes.byteLength) {
    throw new Error(`${file}: tokenizer.bin has ${bytes.byteLength - at} bytes after token ${vocabSize - 1}; expected exactly ${vocabSize} tokens (the checkpoint's vocab_size)`);
  }
  return new Llama2cTokenizer(pieces, scores);
}
