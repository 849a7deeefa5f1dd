/**
 * The configuration types of the architectures, as plain data. This module sits at the bottom of
 * the package's import graph: it imports nothing else from models, so every reader, architecture
 * and registry can import it without a cycle.
 */
import type { ModelConfig } from '@agon/core';

/**
 * A parsed JSON object as read from a file (`config.json`, `tokenizer_config.json`, …).
 *
 * @example
 * ```ts
 * const cfg: JsonObject = JSON.parse('{"eos_token_id": 2}');
 * ```
 */
export type JsonObject = Readonly<Record<string, unknown>>;

/**
 * A parsed `config.json`, as plain JSON; each architecture's builder validates the fields it reads.
 *
 * @example
 * ```ts
 * const config: HfConfigJson = { architectures: ['LlamaForCausalLM'], hidden_size: 64 };
 * ```
 */
export type HfConfigJson = JsonObject;

/**
 * `llama3` rope scaling (Llama 3.1/3.2): low frequencies are divided by `factor`, high ones kept,
 * the band between smoothly interpolated. `linear` divides every frequency by `factor`.
 *
 * @example
 * ```ts
 * const rs: RopeScaling = { type: 'llama3', factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192 };
 * ```
 */
export type RopeScaling =
  | { type: 'linear'; factor: number }
  | {
      type: 'llama3';
      factor: number;
      lowFreqFactor: number;
      highFreqFactor: number;
      originalMaxPositions: number;
    };

/**
 * Everything the shared Llama-family decoder needs; the fields beyond {@link ModelConfig} switch
 * the family's variations on and off.
 *
 * @example
 * ```ts
 * const cfg: DecoderConfig = { architecture: 'llama', vocabSize: 512, hiddenSize: 64, numLayers: 5,
 *   numHeads: 8, numKvHeads: 4, headDim: 8, maxPositions: 512, intermediateSize: 172, rmsNormEps: 1e-5,
 *   ropeTheta: 10000, ropeLayout: 'interleaved', tieWordEmbeddings: true, qkvBias: false, oBias: false,
 *   qkNorm: false };
 * ```
 */
export interface DecoderConfig extends ModelConfig {
  /** Width of the SwiGLU hidden layer. */
  intermediateSize: number;
  /** ε inside every RMSNorm (llama2.c: 1e-5). */
  rmsNormEps: number;
  /** RoPE base θ (default 10000). */
  ropeTheta: number;
  /** Frequency rescaling for long contexts; absent = none. */
  ropeScaling?: RopeScaling;
  /**
   * Which dimensions RoPE rotates together: `interleaved` pairs (2i, 2i+1) as llama2.c run.c does, or
   * `halves` (i, i + D/2) as Hugging Face `rotate_half` does. Same maths, q/k rows permuted.
   */
  ropeLayout: 'interleaved' | 'halves';
  /** lm_head reuses the embedding table. */
  tieWordEmbeddings: boolean;
  /** q/k/v projections have biases (Qwen2; Llama with `attention_bias`). */
  qkvBias: boolean;
  /** o_proj has a bias (Llama with `attention_bias`). */
  oBias: boolean;
  /** RMSNorm over D on q and k before RoPE (Qwen3). */
  qkNorm: boolean;
  /** Keys further back than this many positions are hidden (Mistral); absent = none. */
  slidingWindow?: number;
}

/**
 * Per-architecture defaults that differ from Llama's (as in the transformers config classes).
 *
 * @example
 * ```ts
 * const qwen3: FamilyDefaults = { architecture: 'qwen3', headDim: 128, qkNorm: true };
 * ```
 */
export interface FamilyDefaults {
  architecture: string;
  /** Default of `head_dim` when absent: undefined = hidden_size / num_attention_heads. */
  headDim?: number;
  qkvBias?: boolean;
  qkNorm?: boolean;
  rmsNormEps?: number;
  tieWordEmbeddings?: boolean;
  /** Read `sliding_window` (Mistral; Qwen2 only when `use_sliding_window`). */
  slidingWindow?: boolean;
}

/**
 * MLP activations GPT-2 checkpoints use: tanh-approximated GELU (the original), exact GELU, ReLU.
 *
 * @example
 * ```ts
 * const a: Gpt2Activation = 'gelu_tanh'; // config.json "gelu_new"
 * ```
 */
export type Gpt2Activation = 'gelu_tanh' | 'gelu' | 'relu';

/**
 * Resolved GPT-2 configuration.
 *
 * @example
 * ```ts
 * const cfg = parseGpt2Config({ architectures: ['GPT2LMHeadModel'], vocab_size: 272, n_embd: 16, n_layer: 2,
 *   n_head: 4, n_positions: 16 }, 'config.json');
 * cfg.intermediateSize; // 64 (4 × n_embd when n_inner is null)
 * ```
 */
export interface Gpt2Config extends ModelConfig {
  architecture: 'gpt2';
  /** MLP width (`n_inner`, default 4·C). */
  intermediateSize: number;
  /** ε of every LayerNorm (`layer_norm_epsilon`, default 1e-5). */
  layerNormEps: number;
  /** `activation_function`: gelu_new / gelu_pytorch_tanh → gelu_tanh (default), gelu, relu. */
  activation: Gpt2Activation;
  /** lm_head reuses wte (`tie_word_embeddings`, default true as in every released GPT-2). */
  tieWordEmbeddings: boolean;
  /** Divide attention scores by √D (`scale_attn_weights`, default true). */
  scaleAttnWeights: boolean;
}
