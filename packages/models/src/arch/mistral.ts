/**
 * MistralForCausalLM: the Llama decoder plus a sliding attention window (`sliding_window`; null or
 * absent = full attention). The window is applied to the full KV cache by masking, so results
 * equal the reference at any length; the cache is not trimmed (memory grows with the sequence).
 */
import type { HfConfigJson } from '../config/types.js';
import type { WeightSource } from '../weights.js';
import { DecoderModel } from './decoder.js';
import { parseDecoderConfig } from './decoder-config.js';

/**
 * Builds a MistralForCausalLM from its parsed `config.json` and weights.
 *
 * @example
 * ```ts
 * const model = buildMistral(JSON.parse(configText), weights, { configFile: 'mistral/config.json' });
 * ```
 */
export function buildMistral(config: HfConfigJson, weights: WeightSource, ctx: { configFile: string }): DecoderModel {
  const cfg = parseDecoderConfig(config, ctx.configFile, { architecture: 'mistral', rmsNormEps: 1e-6, slidingWindow: true });
  return new DecoderModel(cfg, weights, { hfArchitecture: 'MistralForCausalLM', modelType: 'mistral' });
}
