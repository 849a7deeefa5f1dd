/**
 * What a caller may hand `train()` besides the config: the run's IO (where it writes, how it logs,
 * when it stops) and pieces that replace what the config would build, so a fork swaps one piece
 * without touching the rest.
 */
import type { Game, MetricsSink, RewardFn, Sampler } from '@agon/core';
import type { LoadedModel, ModelFiles } from '@agon/models';
import type { RoleObjectives } from './gradients.js';
import type { RunIO } from './io/run-io.js';
import type { Evaluator } from './pieces/evaluator.js';
import type { Exporter } from './pieces/exporter.js';
import type { QuerySource } from './queries.js';
import type { Reference } from './reference.js';
import type { RolloutRunnerFactory } from './rollout-runner.js';

/**
 * Where log lines and the progress bar go.
 *
 * @example
 * ```ts
 * const logger: Logger = { write: (s) => process.stderr.write(s), isTTY: false };
 * ```
 */
export interface Logger {
  write(text: string): void;
  /** True to draw a live progress bar (a terminal); false for one line per step. */
  isTTY: boolean;
}

/**
 * The run's IO. All optional.
 *
 * @example
 * ```ts
 * const io: RunOptions = { out: 'runs/a', resume: true };
 * ```
 */
export interface RunOptions {
  /** The run folder's storage. Default: `nodeRunIO(out)` in Node, `memoryRunIO()` in a browser. */
  io?: RunIO;
  /** Run folder on disk, when `io` is not given. Default `runs/latest`. */
  out?: string;
  /** Continue the run from its newest checkpoint. */
  resume?: boolean;
  /** Name of the config's source, for error messages (e.g. the recipe file). */
  configSource?: string;
  /** Stops the run after the current step (a checkpoint is written first). */
  signal?: AbortSignal;
  /** Seconds, monotonic. Default `performance.now() / 1000`. */
  clock?: () => number;
  /** Log lines and progress. Default stderr (a bar on a TTY) in Node, `console.info` in a browser. */
  progress?: Logger;
  /** Also receives every step's metrics and samples (the run folder's logs are always written). */
  metrics?: MetricsSink;
}

/**
 * Pieces that replace what the config would build. All optional.
 *
 * @example
 * ```ts
 * const pieces: TrainPieces<string> = { reward: async (batch) => batch.map((x) => x.answer.length) };
 * ```
 */
export interface TrainPieces<Q = unknown> {
  /** The policy, already loaded (the backend must be initialised). Default: the config's `model`. */
  policy?: LoadedModel;
  /**
   * The files of the config's `model` (then only a name in config.json and the report): a folder
   * picked or dropped in a browser (`blobFiles`), a served folder (`urlFiles`, e.g.
   * {@link defaultModelFiles}). Exported models take their tokenizer files from here. Default: the
   * path `model` names, read in Node; a browser has no paths, so it needs these (or `policy`).
   */
  modelFiles?: ModelFiles;
  /** Samples from the policy. Default: `generate` on the policy with the config's micro-batch size. */
  sampler?: Sampler;
  /** The game. Default: the config's `game`. */
  game?: Game<Q>;
  /** R(q, a). Default: the config's `rewards` (the verifier for verifiable games). */
  reward?: RewardFn<Q>;
  /** The LSP self-reward R_Q and its weight; `null` forces LSP-Zero. Default: the config's `selfReward`. */
  quality?: { fn: RewardFn<Q>; weight: number } | null;
  /** The reference model. Default: adapters off, or a frozen snapshot of the initial weights. */
  reference?: Reference;
  /** The losses. Default: REINFORCE (or PPO-clip) from the config's `loss`. */
  objectives?: RoleObjectives;
  /** Where queries come from. Default: the Challenger, or the config's `queries.fixed`. */
  queries?: QuerySource<Q>;
  /** Held-out evaluation; `null` turns it off. Default: the game's seeded eval set (verifiable games). */
  evaluate?: Evaluator | null;
  /** Writes the trained policy at the end; `null` writes nothing. Default: a Hugging Face folder, or the LoRA adapters. */
  exporter?: Exporter | null;
  /**
   * Runs each step's rollout jobs. Default: in this process. Required when the config names a
   * `rollouts.server` (`natsRollouts` of `@agon/distributed`; the `agon` CLI passes it).
   */
  rollouts?: RolloutRunnerFactory;
}

/**
 * Everything `train()` accepts besides the config: the run's IO and the pieces.
 *
 * @example
 * ```ts
 * await train({ steps: 5 }, { out: 'runs/x', queries: fixedQueries(myQueries), evaluate: null });
 * ```
 */
export type TrainDeps<Q = unknown> = RunOptions & TrainPieces<Q>;
