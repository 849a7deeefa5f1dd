/**
 * The training config: plain JSON data, validated once at the edge by zod. Code below the edge sees
 * only {@link TrainConfig} (every default filled in). Each field says its default and its effect.
 */
import { z } from 'zod';
import { finite, gameSchema, posInt, rewardSchema } from './config-plugins.js';

const samplingSchema = z
  .object({
    /** Softmax temperature of both roles while training. Default 1 (on-policy samples from π_θ). */
    temperature: finite().min(0).default(1),
    /** Nucleus filtering of both roles. Default 1 (off). */
    topP: finite().gt(0).max(1).default(1),
    /** Most tokens of a Challenger query. Default 32. */
    challengerMaxNewTokens: posInt().default(32),
    /** Most tokens of a Solver answer. Default 32. */
    solverMaxNewTokens: posInt().default(32),
    /** Strings that end a Challenger query (besides EOS). Default none. */
    challengerStop: z.array(z.string().min(1)).default([]),
    /** Strings that end a Solver answer (besides EOS). Default none. */
    solverStop: z.array(z.string().min(1)).default([]),
  })
  .strict();

const lossSchema = z
  .object({
    /**
     * β, weight of the KL penalty to the reference model. Default 0. Must be ≥ 0. At 0 the loss
     * reads no reference log-probs; the reference pass still runs while `diagnostics.measureKl` is on
     * (a monitor) or the self-reward needs the reference.
     */
    beta: finite().min(0, 'beta must be ≥ 0 (it weights a penalty)').default(0),
    /** α_Ch, weight of the Challenger loss in L = L_Sol + α_Ch·L_Ch. Default 1. */
    alphaCh: finite().min(0).default(1),
    /** Per-token KL estimator: `k1`, `k2` or `k3` (clamped). Default `k3`. */
    kl: z.enum(['k1', 'k2', 'k3']).default('k3'),
    /** How per-token losses become one number: `sequenceSum` (the paper), `sequenceMean` or `tokenMean`. Default `sequenceSum`. */
    aggregation: z.enum(['sequenceSum', 'sequenceMean', 'tokenMean']).default('sequenceSum'),
    /** PPO-clip ε; set it to use the clipped ratio loss instead of REINFORCE. Default: REINFORCE (the paper). */
    ppoClip: finite().gt(0).optional(),
    /**
     * Passes over each rollout's sequences, every pass split into `miniBatches` optimizer steps
     * (TRL's `num_iterations`, verl's `ppo_epochs`). The ratio compares the current policy with the
     * one that sampled, so from the second update on it moves away from 1 and PPO-clip clips. 1 =
     * one update per rollout (then PPO-clip's gradient equals REINFORCE's). Above 1 needs `ppoClip`.
     * Default 1.
     */
    ppoEpochs: posInt().default(1),
    /** Optimizer steps per pass over a rollout: each takes an equal slice of both roles' sequences. Default 1. */
    miniBatches: posInt().default(1),
    /** Divide Solver advantages by the group's std (GRPO) instead of only centring (the paper). Default false. */
    scaleByStd: z.boolean().default(false),
    /** Challenger reward of an invalid query; at or below the worst valid reward. Default −1. */
    invalidReward: finite().default(-1),
    /**
     * Penalise repeated Challenger queries within a step: each query's reward loses
     * `weight × (size of its cluster − 1) / (N − 1)`, where a cluster holds the queries whose text
     * matches up to `similarity` (1 − edit distance / length; 1 = exact repeats only). null = off.
     * Default null.
     */
    repeatPenalty: z
      .object({ weight: finite().min(0).default(1), similarity: finite().gt(0).max(1).default(0.9) })
      .strict()
      .nullable()
      .default(null),
  })
  .strict()
  .refine((l) => l.ppoEpochs === 1 || l.ppoClip !== undefined, {
    path: ['ppoEpochs'],
    message: 'ppoEpochs above 1 needs ppoClip: REINFORCE assumes the samples come from the current policy',
  });

const optimizerSchema = z
  .object({
    /** Peak learning rate of AdamW. Default 1e-4. */
    lr: finite().gt(0).default(1e-4),
    /** AdamW β1. Default 0.9. */
    beta1: finite().min(0).lt(1).default(0.9),
    /** AdamW β2. Default 0.999. */
    beta2: finite().min(0).lt(1).default(0.999),
    /** AdamW ε. Default 1e-8. */
    eps: finite().gt(0).default(1e-8),
    /** Decoupled weight decay (θ ← θ − lr·wd·θ each step). Default 0. */
    weightDecay: finite().min(0).default(0),
    /** Clip the gradient's global L2 norm to this; 0 turns clipping off. Default 1. */
    clipNorm: finite().min(0).default(1),
    /** Steps of linear warm-up from lr/warmupSteps to lr. Default 0. */
    warmupSteps: z.number().int().min(0).default(0),
    /** After warm-up: `cosine` decay to lr·minLrRatio at the last step, or `constant`. Default `constant`. */
    schedule: z.enum(['cosine', 'constant']).default('constant'),
    /** Floor of the cosine schedule as a fraction of lr. Default 0.1. */
    minLrRatio: finite().min(0).max(1).default(0.1),
  })
  .strict();

const evalSchema = z
  .object({
    /** Held-out queries (the game's seeded `evalSet`). Default 64. */
    size: posInt().default(64),
    /** Seed of the held-out set; keep it apart from `queries.fixed.seed`. Default 1. */
    seed: z.number().int().min(0).default(1),
    /** Also evaluate every this many steps (0: only before and after). Default 0. */
    every: z.number().int().min(0).default(0),
    /** Most tokens of a greedy eval answer. Default: `sampling.solverMaxNewTokens`. */
    maxNewTokens: posInt().optional(),
  })
  .strict();

const rolloutsSchema = z
  .object({
    /**
     * NATS server of the rollout workers (`nats://HOST:PORT`; `agon worker --server` on any number
     * of machines): each step's jobs go to its JetStream work queue and each policy version to its
     * Object Store. Credentials never go here (this config is written to the run folder): give
     * them as flags or `AGON_NATS_*` variables. null = rollouts in this process. Default null.
     */
    server: z
      .string()
      .regex(/^(nats|tls|ws|wss):\/\/[^@/\s]+$/, 'expected nats://HOST:PORT (tls://, ws://, wss:// too) with no user:password@ (pass credentials as flags or AGON_NATS_* variables, not in a config that is written to the run folder)')
      .nullable()
      .default(null),
    /**
     * Jobs per iteration: the N queries are split into this many row ranges, each sampled and
     * scored by one job (one worker). Samples depend on it (each job has its own seeds) but not on
     * where the jobs run: a run with a server gives the same samples as one without. Default 1.
     */
    jobsPerIteration: posInt().default(1),
    /**
     * Policy versions a result may lag behind the learner: 0 = synchronous (every step's samples
     * come from the current weights; the run equals a single-process run). k > 0 lets workers
     * sample up to k steps ahead; the loss corrects with each sample's behaviour log-probs
     * (PPO-clip ratio, so `loss.ppoClip` is required) and older results are dropped and counted
     * (`rollouts/stale`). Needs `server`. Default 0.
     */
    maxPolicyLag: z.number().int().min(0).default(0),
    /** Seconds a step waits for its workers' results before the run fails (saying no worker answered). Default 600. */
    timeoutSeconds: finite().gt(0).default(600),
  })
  .strict();

/** The zod schema of a training config file. */
export const trainConfigSchema = z
  .object({
    /** Free text for the reader of a recipe (JSON has no comments); ignored. */
    $comment: z.string().optional(),
    /** The policy: a llama2.c `.bin`, a Hugging Face folder, or `default` (the embedded default model). Default `default`. */
    model: z.string().min(1).default('default'),
    /**
     * Train LoRA adapters instead of every weight: `r` (rank, default 8), `alpha` (default 2·r),
     * `targetModules` (default all attention and MLP projections), `seed` (default 0). The reference
     * is then the same model with adapters off (no second copy). null = full fine-tuning. Default null.
     */
    lora: z
      .object({
        r: posInt().default(8),
        alpha: finite().gt(0).optional(),
        targetModules: z.array(z.string().min(1)).min(1).default(['q', 'k', 'v', 'o', 'gate', 'up', 'down']),
        seed: z.number().int().min(0).default(0),
      })
      .strict()
      .nullable()
      .default(null),
    /** The game the roles play. Default: arithmetic with its defaults. */
    game: gameSchema.default({ name: 'arithmetic', options: {} }),
    /**
     * Where queries come from: absent = the Challenger (self-play); `{ fixed: { size, seed } }` = a
     * fixed prompt set drawn from the game's generator (data-driven GRPO baseline, no Challenger),
     * with every query of the held-out eval set left out.
     */
    queries: z
      .object({ fixed: z.object({ size: posInt(), seed: z.number().int().min(0) }).strict() })
      .strict()
      .nullable()
      .default(null),
    /** Rewards R(q, a), summed with their weights: built-ins by `type`, your own by `module`. Default: the game's verifier (verifiable games); required for `lsp`. */
    rewards: z.array(rewardSchema).optional(),
    /**
     * LSP self-reward R_Q from the reference model, scaled by `weight` (w). `judge`: `prompt` = the
     * paper's 7-point judge prompt, answered greedily in at most `maxNewTokens` tokens; `likelihood`
     * = the reference's mean per-token log-prob of the answer (for models that cannot hold or follow
     * the judge prompt). null = LSP-Zero. Default null.
     */
    selfReward: z
      .object({ judge: z.enum(['prompt', 'likelihood']).default('prompt'), weight: finite().min(0).default(1), maxNewTokens: posInt().default(64) })
      .strict()
      .nullable()
      .default(null),
    /** Training steps to run: each samples `accumulationSteps` rollouts and makes `loss.ppoEpochs` × `loss.miniBatches` optimizer updates from them. Default 20. */
    steps: posInt().default(20),
    /** N, Challenger queries per iteration. Default 8. Must be ≥ 1. */
    queriesPerStep: posInt().default(8),
    /** G, Solver answers per query. Default 4. Must be ≥ 2 (a group of one has no advantage). */
    answersPerQuery: z.number().int().min(2, 'answersPerQuery (G) must be ≥ 2: advantages compare answers within a group').default(4),
    /** Rollouts whose gradients are summed (averaged) into one optimizer step. Default 1. */
    accumulationSteps: posInt().default(1),
    /** Sequences per forward/backward pass and per sampling batch; lower it to save memory (same samples; the gradient equal up to float rounding). Default 16. */
    microBatchSize: posInt().default(16),
    /** Sampling while training. */
    sampling: samplingSchema.default(samplingSchema.parse({})),
    /** The loss. */
    loss: lossSchema.default(lossSchema.parse({})),
    /** AdamW and its schedule. */
    optimizer: optimizerSchema.default(optimizerSchema.parse({})),
    /** Held-out evaluation (verifiable games); null turns it off. */
    eval: evalSchema.nullable().default(evalSchema.parse({})),
    /** Seed of every random choice: same config, seed and backend give identical metrics. Default 0. */
    seed: z.number().int().min(0).max(0xffffffff).default(0),
    /** tfjs backend: `auto`, `wasm`, `cpu`, `webgpu`, … Default `auto`. */
    backend: z.string().min(1).default('auto'),
    /** Write a checkpoint every this many steps (and at the end); 0 = only at the end. Default 10. */
    checkpointEvery: z.number().int().min(0).default(10),
    /**
     * Also write one after any step that ends this many seconds after the last one, so a kill
     * loses at most that much work; 0 turns it off. A stop (Ctrl-C) and a failed step always
     * write one. Default 60.
     */
    checkpointSeconds: z.number().min(0).default(60),
    /** Newest checkpoints kept on disk. Default 2. */
    keepCheckpoints: posInt().default(2),
    /** Where rollouts run: this process, or rollout workers over NATS JetStream. */
    rollouts: rolloutsSchema.default(rolloutsSchema.parse({})),
    /**
     * Memory versus time. `recompute`: activation recomputation (gradient checkpointing) — each
     * decoder layer keeps only its input for the backward pass and runs again there: much less
     * memory for long sequences, about one more forward pass of time per micro-batch (Llama-family
     * models; GPT-2 is an error). Default false.
     */
    memory: z.object({ recompute: z.boolean().default(false) }).strict().default({ recompute: false }),
    /** Warn when a fraction of the window's steps is above these. */
    diagnostics: z
      .object({
        /** Steps looked at. Default 3. */
        window: posInt().default(3),
        /** Warn when the mean invalid-query fraction over the window is above this. Default 0.5. */
        invalidQueries: finite().min(0).max(1).default(0.5),
        /** Warn when more than this fraction of answers hit the token limit. Default 0.5. */
        truncated: finite().min(0).max(1).default(0.5),
        /** Warn when a held-out accuracy falls more than this below the best so far (the start included). Default 0.15. */
        accuracyDrop: finite().min(0).max(1).default(0.15),
        /** Warn when the Solver's reward, averaged over `rewardWindow` steps, falls more than this below its best such average (in self-play it also falls when the Challenger finds harder queries, by design). Default 0.5. */
        rewardDrop: finite().min(0).default(0.5),
        /** Steps averaged by the reward-drop check. Default 10. */
        rewardWindow: posInt().default(10),
        /**
         * Measure KL to the reference even when β = 0 (a monitor, not in the loss): one extra forward
         * pass of the reference per micro-batch, and a snapshot of the initial weights unless LoRA
         * provides the reference. Set false to save both. Default true.
         */
        measureKl: z.boolean().default(true),
      })
      .strict()
      .default({ window: 3, invalidQueries: 0.5, truncated: 0.5, accuracyDrop: 0.15, rewardDrop: 0.5, rewardWindow: 10, measureKl: true }),
  })
  .strict()
  .superRefine((c, ctx) => {
    // Runs even when a field failed its own check: compare only values that passed theirs.
    if (c.queriesPerStep >= 1 && c.rollouts?.jobsPerIteration > c.queriesPerStep) {
      ctx.addIssue({ code: 'custom', path: ['rollouts', 'jobsPerIteration'], message: `must be at most queriesPerStep (${c.queriesPerStep}): each job samples at least one query` });
    }
    if (c.rollouts?.maxPolicyLag > 0 && c.loss && c.loss.ppoClip === undefined) {
      ctx.addIssue({ code: 'custom', path: ['rollouts', 'maxPolicyLag'], message: 'above 0 needs loss.ppoClip: lagging samples are corrected by the clipped ratio to their behaviour log-probs' });
    }
    if (c.rollouts?.maxPolicyLag > 0 && c.rollouts.server === null) {
      ctx.addIssue({ code: 'custom', path: ['rollouts', 'maxPolicyLag'], message: 'above 0 needs rollouts.server: in one process every sample comes from the current weights' });
    }
  });

/** A config as written in a file (every field optional). */
export type TrainConfigInput = z.input<typeof trainConfigSchema>;
/** A validated config with every default filled in. */
export type TrainConfig = z.output<typeof trainConfigSchema>;

/**
 * Validates `input` (parsed JSON) and fills in defaults. Throws one error listing every problem as
 * `<source>: field <path>: <what was expected>`.
 *
 * @example
 * ```ts
 * const config = parseTrainConfig({ steps: 5, answersPerQuery: 4 }, 'recipes/default.json');
 * config.loss.beta; // 0
 * ```
 */
export function parseTrainConfig(input: unknown, source = 'config'): TrainConfig {
  const r = trainConfigSchema.safeParse(input);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `${source}: field ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  throw new Error(lines.join('\n'));
}
