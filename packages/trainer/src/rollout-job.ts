/**
 * A step's rollouts as jobs: each iteration's N queries are split into `rollouts.jobsPerIteration`
 * row ranges, and a job samples its rows (Challenger queries, G Solver answers each) and scores
 * them. A job is plain data and seeded by (seed, iteration, shard), so any process that holds the
 * same policy version produces the same part; the advantages need every part of the iteration and
 * are computed where the parts meet (`assembleRollout`).
 */
import type { Completion, Interaction, RewardFn } from '@agon/core';
import { isInvalid } from '@agon/core';
import type { TrainConfig } from './config.js';
import { challengerPromptIds, solverPromptIds } from './prompt.js';
import type { RolloutContext } from './rollout.js';

/**
 * One job: rows `[start, end)` of iteration `iteration`'s N queries.
 *
 * @example
 * ```ts
 * const job: RolloutJob = { id: '3.0', iteration: 3, shard: 0, shards: 2, start: 0, end: 4, seed: 0, step: 4 };
 * ```
 */
export interface RolloutJob {
  /** `<iteration>.<shard>`: unique within a run. */
  id: string;
  /** Global iteration index (step × accumulationSteps + k). */
  iteration: number;
  shard: number;
  shards: number;
  /** First query row of the job (inclusive). */
  start: number;
  /** Last query row of the job (exclusive). */
  end: number;
  /** The run's seed. */
  seed: number;
  /** 1-based step the samples are logged under. */
  step: number;
}

/**
 * What a job produces: the raw samples and scores of its rows (no advantages).
 *
 * @example
 * ```ts
 * const part = await sampleRollout(ctx, job);
 * part.answers.length === part.rewards.length; // G per valid query
 * ```
 */
export interface RolloutPart {
  /** The Challenger's completions for rows start..end−1 (empty with a fixed query source). */
  challenger: Completion[];
  /** G answers per valid query of the rows, in row order. */
  answers: Completion[];
  /** R(q, a) per answer as the reward returned it (null = not applicable; NaN and ±Infinity kept). */
  rewards: (number | null)[];
  /** R_Q(q, a) per answer; null without a self-reward. */
  selfRewards: (number | null)[] | null;
}

/**
 * The jobs of 0-based step `step`: `accumulationSteps` iterations × `rollouts.jobsPerIteration`
 * row ranges each, in order.
 *
 * @example
 * ```ts
 * jobsForStep(parseTrainConfig({ rollouts: { jobsPerIteration: 2 } }), 0).map((j) => j.id); // ['0.0', '0.1']
 * ```
 */
export function jobsForStep(cfg: Pick<TrainConfig, 'accumulationSteps' | 'queriesPerStep' | 'seed' | 'rollouts'>, step: number): RolloutJob[] {
  const K = cfg.accumulationSteps;
  const S = cfg.rollouts.jobsPerIteration;
  const N = cfg.queriesPerStep;
  const jobs: RolloutJob[] = [];
  for (let k = 0; k < K; k++) {
    const iteration = step * K + k;
    for (let s = 0; s < S; s++) {
      jobs.push({ id: `${iteration}.${s}`, iteration, shard: s, shards: S, start: Math.floor((s * N) / S), end: Math.floor(((s + 1) * N) / S), seed: cfg.seed, step: step + 1 });
    }
  }
  return jobs;
}

/** Mixes (seed, iteration, role) into one 32-bit sampling seed. */
export function mixSeed(seed: number, iteration: number, role: number): number {
  let z = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(iteration + 1, 0x85ebca77) ^ Math.imul(role + 1, 0xc2b2ae3d)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d);
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b);
  return (z ^ (z >>> 16)) >>> 0;
}

/** The sampling seed of a job's role (0 Challenger, 1 Solver); shard 0 keeps the unsharded seeds. */
export function jobSeed(job: Pick<RolloutJob, 'seed' | 'iteration' | 'shard'>, role: 0 | 1): number {
  return mixSeed(job.seed, job.iteration, 2 * job.shard + role);
}

/** Checks that a prompt leaves room for the role's new tokens in the model's context. */
export function checkRoom<Q>(ctx: RolloutContext<Q>, ids: readonly number[], role: 'challenger' | 'solver'): void {
  const room = ctx.maxPositions - ids.length;
  const want = role === 'challenger' ? ctx.sampling.challengerMaxNewTokens : ctx.sampling.solverMaxNewTokens;
  if (room < want) {
    throw new Error(
      `the ${role} prompt is ${ids.length} tokens; with ${role}MaxNewTokens ${want} it exceeds the model's ${ctx.maxPositions} positions (shorten the prompt, e.g. game.challengerPrompt, or lower ${role}MaxNewTokens)`,
    );
  }
}

/** The queries of rows start..end−1: parsed Challenger text, or the fixed source's picks. */
export function jobQueries<Q>(ctx: RolloutContext<Q>, job: Pick<RolloutJob, 'iteration' | 'start' | 'end'>, challenger: readonly Completion[]): (Q | { invalid: true; reason: string })[] {
  return ctx.queries.kind === 'challenger' ? challenger.map((c) => ctx.game.parseQuery(c.text)) : ctx.queries.pick(job.iteration, ctx.n).slice(job.start, job.end);
}

async function raw<Q>(fn: RewardFn<Q>, batch: Interaction<Q>[], what: string): Promise<(number | null)[]> {
  if (batch.length === 0) return [];
  const r = await fn(batch);
  if (!Array.isArray(r) || r.length !== batch.length) throw new Error(`${what}: returned ${Array.isArray(r) ? r.length : typeof r} values for ${batch.length} interactions`);
  return r;
}

/**
 * Runs one job under the context's current policy: the Challenger's queries of the job's rows (or
 * the fixed source's), G Solver answers per valid query, and their rewards. No gradient.
 *
 * @example
 * ```ts
 * const [job] = jobsForStep(cfg, 0);
 * const part = await sampleRollout(run.rollout, job);
 * ```
 */
export async function sampleRollout<Q>(ctx: RolloutContext<Q>, job: RolloutJob): Promise<RolloutPart> {
  const sampling = { temperature: ctx.sampling.temperature, topP: ctx.sampling.topP, stopIds: ctx.stopIds };
  const rows = job.end - job.start;
  let challenger: Completion[] = [];
  if (ctx.queries.kind === 'challenger') {
    const prompt = challengerPromptIds(ctx.format, ctx.game);
    checkRoom(ctx, prompt, 'challenger');
    challenger = await ctx.sampler.generate(
      Array.from({ length: rows }, () => prompt),
      { ...sampling, maxNewTokens: ctx.sampling.challengerMaxNewTokens, stopStrings: ctx.sampling.challengerStop, seed: jobSeed(job, 0) },
    );
  }
  const parsed = jobQueries(ctx, job, challenger);
  const validIdx = parsed.map((q, i) => (isInvalid(q) ? -1 : i)).filter((i) => i >= 0);
  const prompts: number[][] = [];
  for (const i of validIdx) {
    prompts[i] = solverPromptIds(ctx.format, ctx.game, parsed[i] as Q);
    checkRoom(ctx, prompts[i], 'solver');
  }
  const flat = validIdx.flatMap((i) => Array.from({ length: ctx.g }, (_, j) => ({ i, j })));
  const answers = flat.length
    ? await ctx.sampler.generate(
        flat.map(({ i }) => prompts[i]),
        { ...sampling, maxNewTokens: ctx.sampling.solverMaxNewTokens, stopStrings: ctx.sampling.solverStop, seed: jobSeed(job, 1) },
      )
    : [];
  const interactions: Interaction<Q>[] = flat.map(({ i, j }, k) => ({ query: parsed[i] as Q, answer: answers[k].text, queryIndex: job.start + i, answerIndex: j }));
  const rewards = await raw(ctx.reward, interactions, 'reward');
  const selfRewards = ctx.quality ? await raw(ctx.quality.fn, interactions, 'self-reward') : null;
  return { challenger, answers, rewards, selfRewards };
}
