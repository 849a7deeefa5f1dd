/**
 * GPT-2's `config.json` (GPT2LMHeadModel), read into a resolved config (config/types.ts) with clear errors.
 * Field names and defaults are those of Hugging Face's GPT2Config.
 */
import { JsonFields } from '../config/fields.js';
import type { Gpt2Config, HfConfigJson } from '../config/types.js';

const COUNT = { min: 1 } as const;
const ACTIVATIONS = ['gelu_new', 'gelu_pytorch_tanh', 'gelu', 'relu'] as const;

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
export function parseGpt2Config(config: HfConfigJson, file: string): Gpt2Config {
  const f = new JsonFields(config, file);
  const hiddenSize = f.integer('n_embd', COUNT);
  const numHeads = f.integer('n_head', COUNT);
  if (hiddenSize % numHeads !== 0) throw f.fail('n_head', `a divisor of n_embd (${hiddenSize})`);
  for (const name of ['scale_attn_by_inverse_layer_idx', 'reorder_and_upcast_attn']) {
    if (f.optBoolean(name)) throw f.fail(name, 'false (this variant is not supported)');
  }
  const act = f.optString('activation_function', ACTIVATIONS) ?? 'gelu_new';
  return {
    architecture: 'gpt2',
    vocabSize: f.integer('vocab_size', COUNT),
    hiddenSize,
    numLayers: f.integer('n_layer', COUNT),
    numHeads,
    numKvHeads: numHeads,
    headDim: hiddenSize / numHeads,
    maxPositions: f.integer('n_positions', COUNT),
    intermediateSize: f.optInteger('n_inner', COUNT) ?? 4 * hiddenSize,
    layerNormEps: f.optNumber('layer_norm_epsilon', { positive: true }) ?? 1e-5,
    activation: act === 'gelu' ? 'gelu' : act === 'relu' ? 'relu' : 'gelu_tanh',
    tieWordEmbeddings: f.optBoolean('tie_word_embeddings') ?? true,
    scaleAttnWeights: f.optBoolean('scale_attn_weights') ?? true,
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
