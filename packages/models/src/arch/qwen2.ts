/**
 * Qwen2ForCausalLM: the Llama decoder with biases on the q/k/v projections (not on o_proj).
 * `use_sliding_window: true` is rejected: Qwen2 applies it only to some layers, which this decoder
 * does not model (released Qwen2/2.5 checkpoints ship with it off).
 */
import { JsonFields } from '../config/fields.js';
import type { HfConfigJson } from '../config/types.js';
import type { WeightSource } from '../weights.js';
import { DecoderModel } from './decoder.js';
import { parseDecoderConfig } from './decoder-config.js';

/**
 * Builds a Qwen2ForCausalLM from its parsed `config.json` and weights.
 *
 * @example
 * ```ts
 * const model = buildQwen2(JSON.parse(configText), weights, { configFile: 'qwen2.5-0.5b/config.json' });
 * ```
 */
export function buildQwen2(config: HfConfigJson, weights: WeightSource, ctx: { configFile: string }): DecoderModel {
  const f = new JsonFields(config, ctx.configFile);
  if (f.optBoolean('use_sliding_window')) throw f.fail('use_sliding_window', 'false (Qwen2 per-layer sliding windows are not supported)');
  const cfg = parseDecoderConfig(config, ctx.configFile, { architecture: 'qwen2', qkvBias: true });
  return new DecoderModel(cfg, weights, { hfArchitecture: 'Qwen2ForCausalLM', modelType: 'qwen2' });
}
