/**
 * One self-play iteration up to the advantages (Algorithm 1, lines 1–6): the Challenger writes N
 * queries (or a fixed source gives them), the Solver answers each G times, the rewards are scored
 * (plus the self-reward for LSP) — by the iteration's jobs, see `rollout-job.ts` — and both roles'
 * advantages are computed from all of its parts. No gradient here.
 */
import type { Game, RewardFn, SampleRow, Sampler } from '@agon/core';
import { isInvalid } from '@agon/core';
import { challengerAdvantagesLsp, challengerAdvantagesZero, lspSolverRewards, queryDiversity, repeatPenalty, rolloutMetrics, solverAdvantages } from '@agon/objectives';
import type { TrainConfig } from './config.js';
import { challengerPromptIds, solverPromptIds, type PromptFormat } from './prompt.js';
import type { QuerySource } from './queries.js';
import { jobQueries, sampleRollout, type RolloutPart } from './rollout-job.js';
import type { Sequence } from './sequences.js';

/** What a rollout needs: the policy's sampler and prompt format, the game and how answers are scored. */
export interface RolloutContext<Q> {
  /** Samples from the current policy (ids, text and behaviour log-probs). */
  sampler: Sampler;
  format: PromptFormat;
  /** The policy's context length: a prompt plus its most new tokens must fit. */
  maxPositions: number;
  /** Ids that end a completion besides the tokenizer's EOS. */
  stopIds: readonly number[];
  game: Game<Q>;
  queries: QuerySource<Q>;
  /** R(q, a); null entries count as 0 and are counted in `rewards/null`. */
  reward: RewardFn<Q>;
  /** R_Q(q, a) (LSP self-reward) and its weight w; null for LSP-Zero. */
  quality: { fn: RewardFn<Q>; weight: number } | null;
  /** N, queries per iteration. */
  n: number;
  /** G, answers per query. */
  g: number;
  /** Both roles' sampling options. */
  sampling: TrainConfig['sampling'];
  scaleByStd: boolean;
  invalidReward: number;
  /** Penalty on repeated Challenger queries within a step (`loss.repeatPenalty`); null = off. */
  repeatPenalty: { weight: number; similarity: number } | null;
  /** Text of a query for logs (default: strings as is, else the game's formatQuery, else JSON). */
  queryText: (q: Q) => string;
}

/** The outcome of one iteration. */
export interface Rollout {
  solver: Sequence[];
  challenger: Sequence[];
  metrics: Record<string, number>;
  samples: SampleRow[];
  /** True when a reward was NaN or ±Infinity: the step must not update the weights. */
  nonFinite: boolean;
}

/** Null counts as 0 (and is counted); NaN and ±Infinity mark the rollout non-finite. */
function scores(raw: readonly (number | null)[]): { values: number[]; nulls: number; nonFinite: boolean } {
  let nulls = 0;
  let nonFinite = false;
  const values = raw.map((r) => {
    if (r === null) {
      nulls++;
      return 0;
    }
    if (!Number.isFinite(r)) nonFinite = true;
    return r;
  });
  return { values, nulls, nonFinite };
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);

/**
 * Runs one iteration in this process: its one job (all N rows), then the advantages.
 *
 * @example
 * ```ts
 * const r = await rollout(ctx, 0, 1234, 0);
 * r.solver.length; // N·G answers of kept groups
 * ```
 */
export async function rollout<Q>(ctx: RolloutContext<Q>, iteration: number, seed: number, step: number): Promise<Rollout> {
  const job = { id: `${iteration}.0`, iteration, shard: 0, shards: 1, start: 0, end: ctx.n, seed, step };
  return assembleRollout(ctx, iteration, step, [await sampleRollout(ctx, job)]);
}

/**
 * Joins the parts of one iteration (its jobs' outputs, in shard order) and computes both roles'
 * advantages, the sequences the loss reads, the sample rows and the metrics.
 *
 * @example
 * ```ts
 * const jobs = jobsForStep(cfg, 0); // one iteration, 2 jobs
 * const r = assembleRollout(ctx, 0, 1, await Promise.all(jobs.map((j) => sampleRollout(ctx, j))));
 * ```
 */
export function assembleRollout<Q>(ctx: RolloutContext<Q>, iteration: number, step: number, parts: readonly RolloutPart[]): Rollout {
  // 1–2. Queries: from the Challenger (parsed, invalid ones kept with their reason) or a fixed set.
  const challengerOut = parts.flatMap((p) => p.challenger);
  const challengerPrompt = ctx.queries.kind === 'challenger' ? challengerPromptIds(ctx.format, ctx.game) : [];
  const parsed = jobQueries(ctx, { iteration, start: 0, end: ctx.n }, challengerOut);
  const validIdx = parsed.map((q, i) => (isInvalid(q) ? -1 : i)).filter((i) => i >= 0);
  // The text of each query as the logs show it (an invalid one: what the Challenger wrote).
  const texts = parsed.map((q, i) => (isInvalid(q) ? (challengerOut[i]?.text ?? '') : ctx.queryText(q)));

  // 3. G answers per valid query (sampled by the jobs, in row order).
  const solverPrompts: number[][] = [];
  for (const i of validIdx) solverPrompts[i] = solverPromptIds(ctx.format, ctx.game, parsed[i] as Q);
  const flat: { i: number; j: number }[] = validIdx.flatMap((i) => Array.from({ length: ctx.g }, (_, j) => ({ i, j })));
  const answers = parts.flatMap((p) => p.answers);
  if (answers.length !== flat.length) throw new Error(`rollout of iteration ${iteration}: ${answers.length} answers for ${validIdx.length} valid queries × G ${ctx.g}`);

  // 4. Rewards (and the self-reward for LSP).
  const rewards = parts.flatMap((p) => p.rewards);
  const selfRewards = ctx.quality ? parts.flatMap((p) => p.selfRewards ?? []) : [];
  if (rewards.length !== flat.length || selfRewards.length !== (ctx.quality ? flat.length : 0)) {
    throw new Error(`rollout of iteration ${iteration}: ${rewards.length} rewards and ${selfRewards.length} self-rewards for ${flat.length} answers`);
  }
  const r = scores(rewards);
  const rq = ctx.quality ? scores(selfRewards) : null;
  // Row i of a table holds query i's G values; an invalid query's row is empty.
  const rank = new Map(validIdx.map((i, k) => [i, k]));
  const table = (values: number[]) =>
    parsed.map((_, i) => {
      const k = rank.get(i);
      return k === undefined ? [] : values.slice(k * ctx.g, (k + 1) * ctx.g);
    });
  const R = table(r.values);
  const RQ = rq ? table(rq.values) : null;
  const nonFinite = r.nonFinite || (rq?.nonFinite ?? false);

  const metrics: Record<string, number> = {
    'rewards/null': r.nulls,
    ...(rq ? { 'selfReward/null': rq.nulls, 'selfReward/mean': mean(rq.values) } : {}),
  };
  if (nonFinite) {
    metrics['rewards/nonFinite'] = 1;
    return { solver: [], challenger: [], metrics, samples: [], nonFinite };
  }

  // 5–6. Advantages.
  const w = ctx.quality?.weight ?? 0;
  const solverRewards = RQ ? lspSolverRewards(R, RQ, { qualityWeight: w }) : R;
  const sol = solverAdvantages(solverRewards, { scaleByStd: ctx.scaleByStd });
  const challenger = ctx.queries.kind === 'challenger';
  const rp = ctx.repeatPenalty;
  const repeats = challenger && rp ? repeatPenalty(texts, { similarity: rp.similarity }) : null;
  const chOptions = { invalidReward: ctx.invalidReward, ...(repeats && rp ? { penalty: repeats.map((p) => rp.weight * p) } : {}) };
  const ch = challenger
    ? RQ
      ? challengerAdvantagesLsp(R, RQ, { qualityWeight: w, ...chOptions })
      : challengerAdvantagesZero(R, chOptions)
    : null;

  const solverSeqs: Sequence[] = [];
  const samples: SampleRow[] = [];
  flat.forEach(({ i, j }, k) => {
    const a = answers[k];
    if (sol.keep[i]) solverSeqs.push({ prompt: solverPrompts[i], completion: a.ids, oldLogprobs: a.logprobs, advantage: sol.advantages[i][j] });
    samples.push({
      step,
      role: 'solver',
      query: ctx.queryText(parsed[i] as Q),
      answer: a.text,
      reward: R[i][j],
      ...(RQ ? { selfReward: RQ[i][j] } : {}),
      advantage: sol.advantages[i][j],
      finish: a.finishReason,
    });
  });
  const challengerSeqs: Sequence[] = [];
  if (ch) {
    challengerOut.forEach((c, i) => {
      challengerSeqs.push({ prompt: challengerPrompt, completion: c.ids, oldLogprobs: c.logprobs, advantage: ch.advantages[i] });
      const q = parsed[i];
      samples.push({
        step,
        role: 'challenger',
        query: texts[i],
        answer: '',
        reward: ch.rewards[i],
        advantage: ch.advantages[i],
        valid: !isInvalid(q),
        ...(isInvalid(q) ? { reason: q.reason } : { value: sol.values[i] }),
      });
    });
  }

  const values = validIdx.map((i) => mean(R[i]));
  const diversity = queryDiversity(texts);
  Object.assign(
    metrics,
    rolloutMetrics({
      solverRewards: R,
      challengerRewards: ch?.rewards ?? [],
      queryValid: parsed.map((q) => !isInvalid(q)),
      queryTokens: challengerOut.map((c) => c.ids.length),
      solverFinish: answers.map((a) => a.finishReason),
      challengerFinish: challengerOut.map((c) => c.finishReason),
      zeroStdGroups: sol.zeroStdCount,
    }),
    {
      // Difficulty of the queries for the current Solver: the fraction of its answers that failed.
      'challenger/difficulty': 1 - mean(values),
      'solver/answerLength': mean(answers.map((a) => a.ids.length)),
      // Query diversity of the step: distinct queries / queries, and the share of the most frequent one.
      'queries/distinct': diversity.distinct,
      'queries/topShare': diversity.topShare,
      ...(repeats ? { 'challenger/repeatPenalty': mean(repeats) } : {}),
    },
  );
  return { solver: solverSeqs, challenger: challengerSeqs, metrics, samples, nonFinite: false };
}

