/**
 * Where a step's rollout jobs run: in this process by default, or anywhere a
 * {@link RolloutRunner} sends them (e.g. rollout workers over NATS, `@agon/distributed`). The loop
 * hands the runner the step; the runner returns one part per job, and the loop computes the
 * advantages and the loss from them exactly as for local rollouts.
 */
import type { CausalLM } from '@agon/core';
import type { TrainConfig } from './config.js';
import type { RunIO } from './io/run-io.js';
import { sampleRollout, type RolloutJob, type RolloutPart } from './rollout-job.js';
import { assembleRollout, type Rollout, type RolloutContext } from './rollout.js';

/**
 * One job's part and the policy version that sampled it.
 *
 * @example
 * ```ts
 * const done: RolloutResult = { job, part, version: 4 };
 * ```
 */
export interface RolloutResult {
  job: RolloutJob;
  part: RolloutPart;
  /** Policy version (updates applied) whose weights sampled the part. */
  version: number;
}

/**
 * Runs each step's rollout jobs.
 *
 * @example
 * ```ts
 * const { results, metrics } = await runner.step(0); // the policy is at version 0
 * ```
 */
export interface RolloutRunner {
  /**
   * The results of step `step`'s jobs (`RolloutRunnerContext.jobsFor(step)`), in job order. The
   * policy's weights are those of version `step` when this is called. A result sampled by an
   * older version (when the runner allows policy lag) carries that version: the loss then sees its
   * behaviour log-probs. `metrics` are added to the step's metrics line.
   */
  step(step: number): Promise<{ results: RolloutResult[]; metrics: Record<string, number> }>;
  /** Frees what the runner holds (connections, subscriptions); called once when the run ends. */
  close(): Promise<void>;
}

/**
 * What a runner is built from: the validated config, the policy being trained (its trainable
 * variables are the weights a remote runner ships), the local rollout context, the run folder,
 * and the jobs of any step.
 *
 * @example
 * ```ts
 * const makeRunner: RolloutRunnerFactory = async (ctx) => localRollouts(ctx);
 * ```
 */
export interface RolloutRunnerContext {
  config: TrainConfig;
  model: CausalLM;
  rollout: RolloutContext<unknown>;
  io: RunIO;
  /** True when the run continues from a checkpoint. */
  resume: boolean;
  /** The run's stop: a runner waiting for results gives up when it fires. */
  signal?: AbortSignal;
  /** Log one line (progress output). */
  log(line: string): void;
  jobsFor(step: number): RolloutJob[];
}

/**
 * Builds a {@link RolloutRunner} when the run starts (after the model loads, before the first step).
 *
 * @example
 * ```ts
 * await train(config, { rollouts: natsRollouts({ server: 'nats://127.0.0.1:4222' }) });
 * ```
 */
export type RolloutRunnerFactory = (ctx: RolloutRunnerContext) => Promise<RolloutRunner>;

/**
 * The default runner: every job in this process, one after another, under the current weights.
 *
 * @example
 * ```ts
 * const runner = await localRollouts(ctx);
 * const { results } = await runner.step(0);
 * ```
 */
export async function localRollouts(ctx: RolloutRunnerContext): Promise<RolloutRunner> {
  return {
    async step(step) {
      const results: RolloutResult[] = [];
      for (const job of ctx.jobsFor(step)) results.push({ job, part: await sampleRollout(ctx.rollout, job), version: step });
      return { results, metrics: {} };
    },
    close: () => Promise.resolve(), // nothing held
  };
}

/**
 * The step's rollouts from its results (job order): each iteration's parts joined, advantages
 * computed.
 *
 * @example
 * ```ts
 * const rollouts = assembleStep(ctx, (await runner.step(0)).results);
 * ```
 */
export function assembleStep<Q>(ctx: RolloutContext<Q>, results: readonly RolloutResult[]): Rollout[] {
  const byIteration = new Map<number, RolloutResult[]>();
  for (const r of results) byIteration.set(r.job.iteration, [...(byIteration.get(r.job.iteration) ?? []), r]);
  return [...byIteration.values()].map((rs) => {
    const { iteration, step, shards } = rs[0].job;
    if (rs.length !== shards || rs.some((r, s) => r.job.shard !== s)) throw new Error(`iteration ${iteration}: expected its ${shards} jobs in shard order, got shards ${rs.map((r) => r.job.shard).join(', ')}`);
    return assembleRollout(ctx, iteration, step, rs.map((r) => r.part));
  });
}
