/**
 * GPT-2's `config.json` (GPT2LMHeadModel), read into a resolved config with clear errors.
 * Field names and defaults are those of Hugging Face's GPT2Config.
 */
import type { ModelConfig } from '@agon/core';

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

type Json = Readonly<Record<string, unknown>>;

function field<T>(config: Json, file: string, name: string, expected: string, ok: (v: unknown) => v is T, fallback?: T): T {
  const v = config[name];
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new Error(`${file}: missing field '${name}' (expected ${expected})`);
  }
  if (!ok(v)) throw new Error(`${file}: field '${name}' must be ${expected} (found ${JSON.stringify(v)})`);
  return v;
}

const positiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;
const positiveNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
const bool = (v: unknown): v is boolean => typeof v === 'boolean';
const activationName = (v: unknown): v is string =>
  typeof v === 'string' && ['gelu_new', 'gelu_pytorch_tanh', 'gelu', 'relu'].includes(v);

/**
 * Read a GPT-2 `config.json`. Required: vocab_size, n_embd, n_layer, n_head, n_positions; the rest
 * default as in Hugging Face's GPT2Config. Variants this implementation does not compute
 * (`scale_attn_by_inverse_layer_idx`, `reorder_and_upcast_attn`) are refused, not ignored.
 *
 * @throws Error naming `file`, the field and what was expected.
 * @example
 * ```ts
 * const cfg = parseGpt2Config(JSON.parse(readFileSync('gpt2/config.json', 'utf8')), 'gpt2/config.json');
 * ```
 */
export function parseGpt2Config(config: Json, file: string): Gpt2Config {
  const hiddenSize = field(config, file, 'n_embd', 'a positive integer', positiveInt);
  const numHeads = field(config, file, 'n_head', 'a positive integer', positiveInt);
  if (hiddenSize % numHeads !== 0) {
    throw new Error(`${file}: field 'n_embd' (${hiddenSize}) must be a multiple of 'n_head' (${numHeads})`);
  }
  for (const name of ['scale_attn_by_inverse_layer_idx', 'reorder_and_upcast_attn']) {
    if (config[name] === true) throw new Error(`${file}: field '${name}' = true is not supported (expected false or absent)`);
  }
  const act = field(config, file, 'activation_function', 'one of gelu_new, gelu_pytorch_tanh, gelu, relu', activationName, 'gelu_new');
  return {
    architecture: 'gpt2',
    vocabSize: field(config, file, 'vocab_size', 'a positive integer', positiveInt),
    hiddenSize,
    numLayers: field(config, file, 'n_layer', 'a positive integer', positiveInt),
    numHeads,
    numKvHeads: numHeads,
    headDim: hiddenSize / numHeads,
    maxPositions: field(config, file, 'n_positions', 'a positive integer', positiveInt),
    intermediateSize: field(config, file, 'n_inner', 'a positive integer or null', positiveInt, 4 * hiddenSize),
    layerNormEps: field(config, file, 'layer_norm_epsilon', 'a positive number', positiveNumber, 1e-5),
    activation: act === 'gelu' ? 'gelu' : act === 'relu' ? 'relu' : 'gelu_tanh',
    tieWordEmbeddings: field(config, file, 'tie_word_embeddings', 'a boolean', bool, true),
    scaleAttnWeights: field(config, file, 'scale_attn_weights', 'a boolean', bool, true),
  };
}

/**
 * The `config.json` object that loads back as `cfg`.
 *
 * @example
 * ```ts
 * const json = gpt2ConfigToHf(cfg); // { architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', … }
 * ```
 */
export function gpt2ConfigToHf(cfg: Gpt2Config): Record<string, unknown> {
  return {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: cfg.vocabSize,
    n_positions: cfg.maxPositions,
    n_embd: cfg.hiddenSize,
    n_layer: cfg.numLayers,
    n_head: cfg.numHeads,
    n_inner: cfg.intermediateSize,
    activation_function: cfg.activation === 'gelu_tanh' ? 'gelu_new' : cfg.activation,
    layer_norm_epsilon: cfg.layerNormEps,
    tie_word_embeddings: cfg.tieWordEmbeddings,
    scale_attn_weights: cfg.scaleAttnWeights,
    torch_dtype: 'float32',
  };
}
