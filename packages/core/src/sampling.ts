/**
 * How to sample continuations.
 *
 * @example
 * ```ts
 * const opts: SamplingOptions = { maxNewTokens: 64, temperature: 0.8, topP: 0.95, seed: 1 };
 * ```
 */
export interface SamplingOptions {
  /** Most tokens to add per prompt. */
  maxNewTokens: number;
  /** Softmax temperature; 0 means greedy. Default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens (0 or undefined: all). */
  topK?: number;
  /** Keep the smallest set of tokens whose probability reaches p (1 or undefined: all). */
  topP?: number;
  /** Drop tokens whose probability is below minP × the top probability. */
  minP?: number;
  /** Ids that end a completion (the model's EOS is always one). */
  stopIds?: readonly number[];
  /** Strings that end a completion; the text is cut before them. */
  stopStrings?: readonly string[];
  /** Seed of the sampling stream: same seed and backend, same tokens. */
  seed?: number;
}

/** Why a completion ended: a stop id/string, or the token limit. */
export type FinishReason = 'stop' | 'length';

/**
 * One sampled continuation with the log-probs the loss needs.
 *
 * @example
 * ```ts
 * declare const c: Completion;
 * const total = c.logprobs.reduce((a, b) => a + b, 0); // log π(completion | prompt)
 * ```
 */
export interface Completion {
  /** Sampled ids, without the prompt. */
  ids: number[];
  /** Decoded text of `ids` (cut at a stop string, if one matched). */
  text: string;
  finishReason: FinishReason;
  /** Per sampled token: log-prob under the model's unmodified distribution (temperature 1, no filtering). */
  logprobs: number[];
  /** Per sampled token: log-prob under the distribution actually sampled from. */
  samplingLogprobs: number[];
}

/**
 * Turns prompts into completions.
 *
 * @example
 * ```ts
 * declare const sampler: Sampler;
 * const [c] = await sampler.generate([[1, 403]], { maxNewTokens: 16, temperature: 0 });
 * ```
 */
export interface Sampler {
  generate(prompts: readonly (readonly number[])[], opts: SamplingOptions): Promise<Completion[]>;
}
