// Reward models: sequence-classification heads (Llama, Qwen2, Qwen3) as core Scorers.
export { SequenceClassifier, buildSequenceClassifier, SEQUENCE_CLASSIFIERS } from './seq-cls.js';
export { RewardModel, loadRewardModel } from './reward-model.js';
export type { RewardModelOptions } from './reward-model.js';
