/**
 * The architecture registry: maps a Hugging Face `config.json` `architectures[0]` value to the code
 * that builds a {@link CausalLM} from that config and a {@link WeightSource}.
 */
import type { CausalLM } from '@agon/core';
import { isString, JsonFields } from './config/fields.js';
import type { HfConfigJson } from './config/types.js';
import type { WeightSource } from './weights.js';
import { buildGpt2 } from './arch/gpt2.js';
import { buildLlama } from './arch/llama.js';
import { buildMistral } from './arch/mistral.js';
import { buildQwen2 } from './arch/qwen2.js';
import { buildQwen3 } from './arch/qwen3.js';


/**
 * Builds one architecture from its config and weights. `configFile` is the path used in errors.
 *
 * @example
 * ```ts
 * const build: ArchitectureBuilder = (config, weights, { configFile }) => buildLlama(config, weights, { configFile });
 * ```
 */
export type ArchitectureBuilder = (
  config: HfConfigJson,
  weights: WeightSource,
  ctx: { configFile: string },
) => CausalLM;

const registry = new Map<string, ArchitectureBuilder>([
  ['GPT2LMHeadModel', buildGpt2],
  ['LlamaForCausalLM', buildLlama],
  ['MistralForCausalLM', buildMistral],
  ['Qwen2ForCausalLM', buildQwen2],
  ['Qwen3ForCausalLM', buildQwen3],
]);

/**
 * Adds (or replaces) the builder for an `architectures` value, e.g. to plug in a fork's own model.
 *
 * @example
 * ```ts
 * registerArchitecture('MyLlamaForCausalLM', (config, weights, ctx) => buildLlama(config, weights, ctx));
 * ```
 */
export function registerArchitecture(name: string, builder: ArchitectureBuilder): void {
  registry.set(name, builder);
}

/**
 * The `architectures` values that can be built, sorted.
 *
 * @example
 * ```ts
 * supportedArchitectures(); // ['GPT2LMHeadModel', 'LlamaForCausalLM', …]
 * ```
 */
export function supportedArchitectures(): string[] {
  return [...registry.keys()].sort();
}

/**
 * Reads `architectures[0]` of `config` and builds that model from `weights`. An unsupported or
 * missing value is an error naming `configFile`, the value and the supported list.
 *
 * @example
 * ```ts
 * const model = buildArchitecture(JSON.parse(text), weights, 'ckpt/config.json');
 * ```
 */
export function buildArchitecture(config: HfConfigJson, weights: WeightSource, configFile: string): CausalLM {
  const supported = supportedArchitectures().join(', ');
  const [name] = new JsonFields(config, configFile).array('architectures', `a non-empty list of strings (supported: ${supported})`, isString, { nonEmpty: true });
  const builder = registry.get(name);
  if (!builder) {
    const hint = name.endsWith('ForSequenceClassification') ? ' (a reward/classifier checkpoint: load it with loadRewardModel)' : '';
    throw new Error(`${configFile}: unsupported architectures value '${name}'; supported: ${supported}${hint}`);
  }
  return builder(config, weights, { configFile });
}
