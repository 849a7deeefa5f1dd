/**
 * `@agon/objectives`: rewards, advantages, KL estimators, policy losses and metrics for Language
 * Self-Play. See docs/objectives.md for every choice the paper leaves open.
 * @packageDocumentation
 */
export { groupValues, solverAdvantages, challengerAdvantagesZero, challengerAdvantagesLsp, lspSolverRewards } from './advantages.js';
export type { RewardTable, SolverAdvantageOptions, SolverAdvantages, ChallengerAdvantageOptions, ChallengerAdvantages, LspOptions } from './advantages.js';
export { klK1, klK2, klK3, makeKlK3, sequenceKl, penalizeRewards } from './kl.js';
export type { KlEstimator, KlK3Options } from './kl.js';
export { tokenMean, sequenceMean, sequenceSum } from './aggregation.js';
export type { Aggregator } from './aggregation.js';
export { reinforceLoss } from './reinforce-loss.js';
export type { ReinforceOptions } from './reinforce-loss.js';
export { ppoClipLoss } from './ppo-clip-loss.js';
export type { PpoClipOptions } from './ppo-clip-loss.js';
export { rolloutMetrics, meanTokenEntropy } from './metrics.js';
export { repeatPenalty, repeatClusters, similarQueries, queryDiversity } from './repetition.js';
export type { RolloutStats } from './metrics.js';
export { verifierReward } from './rewards/verifier.js';
export type { Verifier } from './rewards/verifier.js';
export { scorerReward } from './rewards/scorer.js';
export { selfJudgeReward } from './rewards/self-judge.js';
export type { SelfJudgeOptions } from './rewards/self-judge.js';
export { remoteReward, RemoteRewardStopped } from './rewards/remote.js';
export type { RemoteRetry, RemoteRewardOptions } from './rewards/remote.js';
export { weightedSum, clip, withDefault } from './rewards/combinators.js';
export { REWARD_NAMES, rewardByName } from './rewards/registry.js';
export type { RewardName, RewardContext } from './rewards/registry.js';
export type { WeightedReward } from './rewards/combinators.js';
