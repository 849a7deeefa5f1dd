/**
 * Qwen3ForCausalLM: the Llama decoder with an RMSNorm over each head's q and k (before RoPE) and a
 * `head_dim` that need not be hidden_size / heads (default 128, as in transformers).
 * Sliding windows (`use_sliding_window: true`) are rejected, as for Qwen2.
 */
import { JsonFields } from '../config/fields.js';
import type { HfConfigJson } from '../config/types.js';
import type { WeightSource } from '../weights.js';
import { DecoderModel } from './decoder.js';
import { parseDecoderConfig } from './decoder-config.js';

/**
 * Builds a Qwen3ForCausalLM from its parsed `config.json` and weights.
 *
 * @example
 * ```ts
 * const model = buildQwen3(JSON.parse(configText), weights, { configFile: 'qwen3-0.6b/config.json' });
 * ```
 */
export function buildQwen3(config: HfConfigJson, weights: WeightSource, ctx: { configFile: string }): DecoderModel {
  const f = new JsonFields(config, ctx.configFile);
  if (f.optBoolean('use_sliding_window')) throw f.fail('use_sliding_window', 'false (Qwen3 per-layer sliding windows are not supported)');
  const cfg = parseDecoderConfig(config, ctx.configFile, { architecture: 'qwen3', headDim: 128, qkNorm: true });
  return new DecoderModel(cfg, weights, { hfArchitecture: 'Qwen3ForCausalLM', modelType: 'qwen3' });
}
