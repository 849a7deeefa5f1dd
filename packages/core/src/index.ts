/**
 * `@agon/core`: the small interfaces that join agon's packages. No runtime code beyond tiny helpers.
 * @packageDocumentation
 */
export type { ChatRole, ChatMessage, ChatFormat } from './chat.js';
export type { Tokenizer } from './tokenizer.js';
export type { ModelConfig, KVCache, ForwardOptions, CausalLM, TokenLogprobOptions, TokenLogprobs, TokenLogprobDefaults } from './model.js';
export type { SamplingOptions, FinishReason, Completion, Sampler } from './sampling.js';
export { isInvalid } from './game.js';
export type { Invalid, Game } from './game.js';
export type { Interaction, RewardFn } from './reward.js';
export type { PolicyBatch, Objective } from './objective.js';
export type { SampleRow, MetricsSink } from './metrics.js';
export type { ScoredPair, Scorer } from './scorer.js';
