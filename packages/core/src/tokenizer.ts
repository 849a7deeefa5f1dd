/**
 * Text ⇄ token ids for one model's vocabulary.
 *
 * @example
 * ```ts
 * declare const tok: Tokenizer;
 * const ids = tok.encode('Once upon a time', { bos: true });
 * console.log(tok.decode(ids), tok.eosId, tok.vocabSize);
 * ```
 */
export interface Tokenizer {
  /**
   * Token ids of `text`; with `bos: true` the special tokens the tokenizer adds to a text of its own
   * (BOS for llama2.c and Llama-style Hugging Face folders; for a Hugging Face folder, what its
   * post-processor adds, as transformers' `tokenizer(text)` — nothing for GPT-2 or Qwen).
   */
  encode(text: string, opts?: { bos?: boolean }): number[];
  /** Text of `ids`; special tokens such as BOS/EOS are dropped. */
  decode(ids: readonly number[]): string;
  /** Beginning-of-sequence id, when the vocabulary has one. */
  readonly bosId?: number;
  /** End-of-sequence id: generation stops when it is sampled. */
  readonly eosId: number;
  /** Number of ids the model's embedding table has rows for. */
  readonly vocabSize: number;
}
