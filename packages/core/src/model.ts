import type { Tensor, Tensor2D, Tensor3D, Variable } from '@tensorflow/tfjs-core';

/**
 * The shape facts every causal LM shares, whatever its architecture.
 * Architecture-specific fields (rope scaling, biases…) live in the model package's own configs.
 *
 * @example
 * ```ts
 * const cfg: ModelConfig = { architecture: 'llama', vocabSize: 512, hiddenSize: 64, numLayers: 5,
 *   numHeads: 8, numKvHeads: 4, headDim: 8, maxPositions: 512 };
 * ```
 */
export interface ModelConfig {
  /** Architecture family, e.g. `llama`, `qwen2`, `qwen3`, `mistral`, `gpt2`. */
  architecture: string;
  /** V: rows of the embedding table. */
  vocabSize: number;
  /** C: width of the residual stream. */
  hiddenSize: number;
  /** Number of decoder blocks. */
  numLayers: number;
  /** H: query heads. */
  numHeads: number;
  /** Key/value heads (grouped-query attention when smaller than `numHeads`). */
  numKvHeads: number;
  /** D: width of one head. */
  headDim: number;
  /** Longest sequence the positions support. */
  maxPositions: number;
}

/**
 * Keys and values of the positions already seen, so the next forward pass only runs the new tokens.
 * Opaque outside the model that made it; free it with `dispose()`.
 *
 * @example
 * ```ts
 * declare const cache: KVCache;
 * console.log(cache.length); // positions held
 * cache.dispose();
 * ```
 */
export interface KVCache {
  /** Number of positions already held. */
  readonly length: number;
  /**
   * A new cache holding only batch rows `rows`, in that order (the old cache is left intact), so
   * rows that finished generating stop costing compute.
   */
  selectRows?(rows: readonly number[]): KVCache;
  /** Free the tensors the cache holds. */
  dispose(): void;
}

/**
 * Options of one forward pass.
 *
 * @example
 * ```ts
 * const opts: ForwardOptions = { cache: undefined };
 * ```
 */
export interface ForwardOptions {
  /** Cache from an earlier call: `ids` continue it, and the returned cache includes them. */
  cache?: KVCache;
  /** [B, T] int32 position ids (for left padding); default `cache.length + t`. */
  positions?: Tensor2D;
  /** Attention mask, [B, Tk] (1 = attend, 0 = padding) or an additive [B, 1, T, Tk] bias. */
  mask?: Tensor;
  /**
   * Return only the last position's logits, [B, 1, V] (a sampler's prefill needs no more; a long
   * prompt then costs no [B, T, V] tensor). Models may ignore it and return all positions.
   */
  lastOnly?: boolean;
}

/**
 * Options of {@link CausalLM.tokenLogprobs}.
 *
 * @example
 * ```ts
 * const opts: TokenLogprobOptions = { offset: 12 };
 * ```
 */
export interface TokenLogprobOptions {
  /** First position whose prediction is scored (earlier positions only feed attention). Default 0. */
  offset?: number;
  /**
   * Also compute the entropies (default true). `false`: the log-probs only, and the result has no
   * `entropy`; on GPU backends (composed ops) that skips the entropy's work forward and backward.
   */
  entropy?: boolean;
}

/**
 * What {@link CausalLM.tokenLogprobs} returns for options `O`: `logprobs`, and `entropy` unless
 * `O` has `entropy: false` (possibly absent when `O`'s `entropy` is a plain boolean).
 *
 * @example
 * ```ts
 * declare const r: TokenLogprobs<{ offset: number }>;       // { logprobs; entropy }
 * declare const s: TokenLogprobs<{ entropy: false }>;       // { logprobs }
 * ```
 */
export type TokenLogprobs<O extends TokenLogprobOptions = TokenLogprobDefaults> = 'entropy' extends keyof O
  ? O extends { entropy: false }
    ? { logprobs: Tensor2D }
    : O extends { entropy: true }
      ? { logprobs: Tensor2D; entropy: Tensor2D }
      : { logprobs: Tensor2D; entropy?: Tensor2D }
  : { logprobs: Tensor2D; entropy: Tensor2D };

/** The options type {@link CausalLM.tokenLogprobs} assumes when none are given (the entropy computed). */
export type TokenLogprobDefaults = { offset?: number };

/**
 * A decoder-only language model: ids in, next-token logits out.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * declare const model: CausalLM;
 * const { logits } = model.forward(tf.tensor2d([[1, 403]], [1, 2], 'int32')); // [B, T, V]
 * logits.dispose();
 * ```
 */
export interface CausalLM {
  readonly config: ModelConfig;
  /** Logits [B, T, V] for ids [B, T]; with a cache, also the extended cache. */
  forward(ids: Tensor2D, opts?: ForwardOptions): { logits: Tensor3D; cache?: KVCache };
  /**
   * log p(target) and the entropy (nats) of the next-token distribution at positions `offset…T−1`
   * of ids [B, T], where targets is [B, T − offset] — computed from the hidden states in chunks so
   * the [B, T, V] logits never exist at once (forward and backward). With `entropy: false` the
   * log-probs only. Optional: callers fall back to `forward` + a log-softmax when a model lacks
   * it. Differentiable like `forward`.
   */
  tokenLogprobs?<O extends TokenLogprobOptions = TokenLogprobDefaults>(ids: Tensor2D, targets: Tensor2D, opts?: O): TokenLogprobs<O>;
  /** The variables an optimizer should update (adapter weights only when adapters are on). */
  trainableVariables(): Variable[];
  /**
   * Activation recomputation (gradient checkpointing) on or off: when on, a forward pass keeps only
   * each layer's input for the backward pass and recomputes the layer there (less memory, about
   * one more forward pass of time). Optional: models without it cannot recompute.
   */
  setRecompute?(on: boolean): void;
  /** A view of the same weights with adapters switched on or off (off = the reference model). */
  withAdapters?(enabled: boolean): CausalLM;
  /** Free every tensor the model owns. */
  dispose(): void;
}
