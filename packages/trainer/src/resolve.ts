/**
 * From validated config (data) to the objects the loop runs, one builder per piece (see
 * `pieces/`). Anything given in {@link TrainPieces} wins over what the config would build.
 */
import type { CausalLM, Game } from '@agon/core';
import { tokenizerFiles, type ModelFiles } from '@agon/models';
import type { TrainConfig } from './config.js';
import type { TrainPieces } from './deps.js';
import type { GradientContext } from './gradients.js';
import { absoluteModelPath, modelPath } from './model-path.js';
import { buildEvaluator, type Evaluator } from './pieces/evaluator.js';
import { buildExporter, type Exporter, type ModelSource } from './pieces/exporter.js';
import { gameFromConfig, queryText } from './pieces/game.js';
import { buildPolicy } from './pieces/model.js';
import { buildObjectives } from './pieces/objectives.js';
import type { Owned } from './pieces/owned.js';
import { buildQueries } from './pieces/queries.js';
import { buildReward, checkRewards } from './pieces/rewards.js';
import { buildSelfReward } from './pieces/self-reward.js';
import { referenceFor, type Reference } from './reference.js';
import type { RolloutContext } from './rollout.js';
import { remoteRewards, type RemoteRewardFactory, type RemoteWatch } from './remote-watch.js';

/** Everything the loop needs, resolved. */
export interface ResolvedRun<Q> {
  model: CausalLM;
  game: Game<Q>;
  rollout: RolloutContext<Q>;
  gradients: GradientContext;
  evaluate: Evaluator | null;
  exporter: Exporter | null;
  /** Retries and warnings of the config's remote rewards, taken once per step. */
  remote: RemoteWatch;
  dispose(): void;
}

/** Where the config's model was loaded from: its files, or the path `model` names. */
async function modelSource(cfg: TrainConfig, files: ModelFiles | undefined): Promise<ModelSource> {
  if (files) return { basePath: files.location, tokenizerFiles: () => tokenizerFiles(files) };
  const path = modelPath(cfg.model);
  return { basePath: await absoluteModelPath(path), tokenizerFiles: () => tokenizerFiles(path) };
}

/**
 * Builds the run's objects from `cfg`, preferring `pieces`; frees what it loaded if a piece fails.
 * `signal` (the run's stop) cancels remote reward requests in flight.
 */
export async function resolveRun<Q>(cfg: TrainConfig, pieces: TrainPieces<Q>, signal?: AbortSignal): Promise<ResolvedRun<Q>> {
  const owned: Owned = [];
  try {
    return await buildRun(cfg, pieces, owned, remoteRewards(signal));
  } catch (e) {
    for (const o of owned.reverse()) o.dispose();
    throw e;
  }
}

async function buildRun<Q>(cfg: TrainConfig, pieces: TrainPieces<Q>, owned: Owned, remote: RemoteRewardFactory): Promise<ResolvedRun<Q>> {
  const game = pieces.game ?? ((await gameFromConfig(cfg.game)) as Game<Q>);
  if (!pieces.reward) checkRewards(cfg, game); // before any model loads
  const policy = await buildPolicy(cfg, pieces.policy, owned, pieces.modelFiles);
  const { model, format } = policy;
  const sampler = pieces.sampler ?? policy.sampler;
  const stopIds = policy.loaded.eosIds;
  const reward = pieces.reward ?? (await buildReward(cfg, game, owned, remote));
  const objectives = pieces.objectives ?? buildObjectives(cfg.loss);

  const selfRewardNeedsReference = pieces.quality === undefined && cfg.selfReward !== null;
  const needsReference = objectives.solver.needsReference || objectives.challenger.needsReference || cfg.diagnostics.measureKl || selfRewardNeedsReference;
  let reference: Reference | null = pieces.reference ?? null;
  if (!reference && needsReference) {
    reference = referenceFor(model);
    owned.push(reference);
  }
  const quality = pieces.quality !== undefined ? pieces.quality : buildSelfReward(cfg, { reference, format, game, stopIds });
  const evaluate = pieces.evaluate !== undefined ? pieces.evaluate : buildEvaluator(cfg, game, sampler, format, stopIds);
  const exporter = pieces.exporter !== undefined ? pieces.exporter : buildExporter(policy, pieces.policy ? null : await modelSource(cfg, pieces.modelFiles));

  return {
    model,
    game,
    rollout: {
      sampler,
      format,
      maxPositions: model.config.maxPositions,
      stopIds,
      game,
      queries: pieces.queries ?? buildQueries(cfg, game),
      reward,
      quality,
      n: cfg.queriesPerStep,
      g: cfg.answersPerQuery,
      sampling: cfg.sampling,
      scaleByStd: cfg.loss.scaleByStd,
      invalidReward: cfg.loss.invalidReward,
      repeatPenalty: cfg.loss.repeatPenalty,
      queryText: (q) => queryText(game, q),
    },
    gradients: { model, reference, objectives, microBatchSize: cfg.microBatchSize, padId: format.tokenizer.eosId, measureKl: cfg.diagnostics.measureKl },
    evaluate,
    exporter,
    remote: remote.watch,
    dispose() {
      for (const o of owned.reverse()) o.dispose();
    },
  };
}

/**
 * What a rollout worker needs from a config: the policy (whose trainable variables a policy version
 * replaces) and the rollout context (sampler, game, queries, rewards, self-reward), built exactly
 * as `train()` builds them; no evaluator or exporter.
 *
 * @example
 * ```ts
 * const w = await resolveRollouts(parseTrainConfig(json), {});
 * try { const part = await sampleRollout(w.rollout, job); } finally { w.dispose(); }
 * ```
 */
export async function resolveRollouts<Q>(cfg: TrainConfig, pieces: TrainPieces<Q>): Promise<{ model: CausalLM; rollout: RolloutContext<Q>; dispose(): void }> {
  const run = await resolveRun(cfg, { ...pieces, evaluate: null, exporter: null });
  return { model: run.model, rollout: run.rollout, dispose: () => run.dispose() };
}
