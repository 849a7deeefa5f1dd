/**
 * LlamaForCausalLM (Llama 2, Llama 3 with `llama3` rope scaling, SmolLM, TinyLlama…): the shared
 * decoder with no biases, rotate-half RoPE and untied embeddings unless `tie_word_embeddings`.
 */
import type { HfConfigJson } from '../config/types.js';
import type { WeightSource } from '../weights.js';
import { DecoderModel } from './decoder.js';
import { parseDecoderConfig } from './decoder-config.js';

/**
 * Builds a LlamaForCausalLM from its parsed `config.json` and weights.
 *
 * @example
 * ```ts
 * const model = buildLlama(JSON.parse(configText), weights, { configFile: 'smollm/config.json' });
 * ```
 */
export function buildLlama(config: HfConfigJson, weights: WeightSource, ctx: { configFile: string }): DecoderModel {
  const cfg = parseDecoderConfig(config, ctx.configFile, { architecture: 'llama' });
  return new DecoderModel(cfg, weights, { hfArchitecture: 'LlamaForCausalLM', modelType: 'llama' });
}
