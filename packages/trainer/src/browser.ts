/**
 * `@agon/trainer` for browsers (the package's `browser` export condition): the Node entry less the
 * Node-only exports — the Node run IO, recipe files and model paths. Runs write through
 * {@link opfsRunIO} or {@link memoryRunIO} (`deps.io`, default memory); the model comes from
 * `deps.modelFiles` (`blobFiles` / `urlFiles` of `@agon/models`, or {@link defaultModelFiles} for
 * `model: "default"`); plug-in modules load by URL, or pass the objects (`deps.game`, `deps.reward`).
 * @packageDocumentation
 */
export { train } from './train.js';
export { DEFAULT_MODEL_FILES, defaultModelFiles } from './model-path.js';
export { loadGameModule, loadRewardModule } from './plugins.js';
export type { TrainResult } from './train.js';
export { trainConfigSchema, parseTrainConfig } from './config.js';
export type { TrainConfig, TrainConfigInput } from './config.js';
export type { TrainDeps, RunOptions, TrainPieces, Logger } from './deps.js';
export type { RunIO } from './io/run-io.js';
export { memoryRunIO } from './io/memory-run-io.js';
export { opfsRunIO } from './io/opfs-run-io.js';
export { plainChat, promptFormat, promptBos, promptIds, solverPromptIds, challengerPromptIds } from './prompt.js';
export type { PromptFormat } from './prompt.js';
export { gameFromConfig, isVerifiable } from './pieces/game.js';
export { resolveRollouts } from './resolve.js';
export { jobsForStep, jobSeed, sampleRollout } from './rollout-job.js';
export type { RolloutJob, RolloutPart } from './rollout-job.js';
export { assembleStep, localRollouts } from './rollout-runner.js';
export type { RolloutResult, RolloutRunner, RolloutRunnerContext, RolloutRunnerFactory } from './rollout-runner.js';
export type { Rollout, RolloutContext } from './rollout.js';
export type { Sequence } from './sequences.js';
export { fixedPromptSet } from './pieces/queries.js';
export type { Evaluator } from './pieces/evaluator.js';
export type { Exporter } from './pieces/exporter.js';
export { challengerQueries, fixedQueries } from './queries.js';
export type { QuerySource, ChallengerQueries, FixedQueries } from './queries.js';
export { snapshotReference, adapterReference, referenceFor } from './reference.js';
export type { Reference } from './reference.js';
export type { RoleObjectives } from './gradients.js';
export { AdamW } from './adamw.js';
export type { AdamWOptions, AdamWState } from './adamw.js';
export { learningRate } from './schedule.js';
export { globalNorm, clipByGlobalNorm } from './grad-norm.js';
export { saveCheckpoint, loadCheckpoint, listCheckpoints, removeOrphanCheckpoints, encodeWeights, assignWeights, checkpointName } from './checkpoint.js';
export type { CheckpointState } from './checkpoint.js';
export { runFolderSink, readMetrics, readSamples } from './run-folder.js';
export type { MetricsLine, MemoryUse } from './run-folder.js';
export { renderReport, writeReport, svgLineChart } from './report.js';
export type { ReportInfo, Series, ChartOptions } from './report.js';
export { diagnose } from './diagnostics.js';
export type { DiagnosticThresholds, Diagnostic, DiagnosticContext } from './diagnostics.js';
export { likelihoodScorer } from './likelihood-scorer.js';
export { referenceLikelihoodReward } from './reference-likelihood.js';
export type { ReferenceLikelihoodOptions } from './reference-likelihood.js';
export { evaluate, heldOutSet } from './eval/index.js';
export type { EvalOptions, EvalResult, EvalRow } from './eval/index.js';
