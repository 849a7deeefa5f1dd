/**
 * `agon train`: run Language Self-Play from a recipe (default: recipes/default.json, the embedded
 * default model on the default verifiable game), print held-out accuracy before and after, and
 * leave a run folder (config, metrics, samples, checkpoints, summary, report.html).
 */
import { natsRollouts } from '@agon/distributed';
import { gameFromConfig, loadRecipe, parseTrainConfig, train, type TrainConfigInput } from '@agon/trainer';
import { readdir, readFile } from 'node:fs/promises';
import { numberFlag, parseFlags } from '../args.js';
import { startBackend } from '../backend.js';
import { firstLine, UsageError, type CliIO } from '../io.js';
import { NATS_FLAGS, NATS_HELP, natsCredentials } from '../nats-flags.js';

/** Flags of `agon train`, shown by `agon train --help`. */
export const TRAIN_HELP = [
  'usage: agon train [--config FILE] [--out DIR] [--resume DIR] [--overwrite] [--backend B] [--seed S] [--steps N] [--rollout-server URL]',
  '',
  '  --config FILE   recipe JSON (default: recipes/default.json — the embedded model, no download)',
  '  --out DIR       run folder (default: runs/<recipe>-seed<S>)',
  '  --resume DIR    continue the run in DIR from its newest checkpoint, exactly as if never stopped',
  '  --overwrite     start over in an --out folder that holds a run (its checkpoints and model are deleted)',
  '  --backend B     wasm, cpu, webgpu, … (default: the recipe\'s, else auto)',
  '  --seed S        seed of every random choice (default: the recipe\'s)',
  '  --steps N       optimizer steps (default: the recipe\'s; with --resume, the new total)',
  '  --rollout-server URL  send rollouts to `agon worker`s on this NATS server (nats://HOST:PORT;',
  '                  the recipe\'s rollouts.server); NATS credentials as for agon worker:',
  ...NATS_HELP,
  '',
  'Ctrl-C writes a checkpoint after the current step; resume with --resume DIR.',
];

const FLAGS = {
  config: { type: 'string' },
  out: { type: 'string' },
  resume: { type: 'string' },
  overwrite: { type: 'boolean' },
  backend: { type: 'string' },
  seed: { type: 'string' },
  steps: { type: 'string' },
  'rollout-server': { type: 'string' },
  ...NATS_FLAGS,
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Runs `agon train` with `args` (the words after `train`) and returns the exit code.
 *
 * @example
 * ```ts
 * const code = await runTrain(['--steps', '5', '--out', 'runs/quick'], processIO);
 * ```
 */
export async function runTrain(args: readonly string[], io: CliIO, opts: { progress?: { write(s: string): void; isTTY: boolean } } = {}): Promise<number> {
  const f = parseFlags('train', args, FLAGS);
  if (f.help) {
    for (const l of TRAIN_HELP) io.out(l);
    return 0;
  }
  const seed = numberFlag('train', 'seed', f.seed, { min: 0, max: 0xffffffff, integer: true });
  const steps = numberFlag('train', 'steps', f.steps, { min: 1, integer: true });
  const overrides: TrainConfigInput = {
    ...(seed !== undefined ? { seed } : {}),
    ...(steps !== undefined ? { steps } : {}),
    ...(typeof f.backend === 'string' ? { backend: f.backend } : {}),
  };
  let out: string;
  let config: TrainConfigInput;
  let source: string;
  let backend: string | undefined;
  let server: string | null = null;
  const resume = typeof f.resume === 'string';
  if (resume) {
    if (typeof f.config === 'string' || seed !== undefined) throw new UsageError('train: --resume takes the run\'s own config and seed; drop --config/--seed (--steps and --backend may change)');
    if (typeof f.out === 'string' && f.out !== f.resume) throw new UsageError('train: --resume DIR writes into DIR; drop --out');
    if (f.overwrite) throw new UsageError('train: --resume continues a run and --overwrite starts one over; pick one');
    out = f.resume as string;
    config = overrides;
    source = `${out}/config.json`;
    const saved = await savedConfig(source);
    backend = typeof f.backend === 'string' ? f.backend : saved && (typeof saved.backend === 'string' ? saved.backend : 'auto');
    server = saved?.rollouts?.server ?? null;
    if (typeof f['rollout-server'] === 'string') {
      // The run's other rollout fields (jobs per iteration, lag) stay as they were.
      config = { ...config, rollouts: { ...saved?.rollouts, server: f['rollout-server'] } };
      server = f['rollout-server'];
    }
  } else {
    let recipe;
    try {
      recipe = await loadRecipe(typeof f.config === 'string' ? f.config : 'default');
    } catch (e) {
      throw new UsageError(`train: --config: ${(e as Error).message}`);
    }
    config = { ...recipe.raw, ...overrides } as TrainConfigInput;
    if (typeof f['rollout-server'] === 'string') config = { ...config, rollouts: { ...(recipe.raw as TrainConfigInput).rollouts, server: f['rollout-server'] } };
    source = recipe.file;
    try {
      // Fail on bad values (the game's options included) before any work starts.
      const parsed = parseTrainConfig(config, source);
      // The game factory's errors start 'config: field game.options: …'; name the recipe instead.
      try {
        await gameFromConfig(parsed.game);
      } catch (e) {
        throw new Error(`${source}: ${firstLine(e).replace(/^config: /, '')}`);
      }
      backend = parsed.backend;
      server = parsed.rollouts.server;
    } catch (e) {
      throw new UsageError(`train: ${(e as Error).message}`);
    }
    const name = source.replace(/^.*[\\/]/, '').replace(/\.json$/, '');
    out = typeof f.out === 'string' ? f.out : `runs/${name}-seed${String(seed ?? (recipe.config.seed))}`;
    const used = await runFilesIn(out);
    if (used.length > 0 && !f.overwrite) {
      throw new UsageError(`train: ${out} already holds a run (${used.join(', ')}); continue it with --resume ${out}, or start over with --overwrite (deletes its checkpoints and model)`);
    }
  }

  // The trainer reselects the same backend without restarting it; starting it here prints the line.
  if (backend !== undefined) await startBackend('train', backend, io);

  const controller = new AbortController();
  const onSigint = () => {
    io.err('agon train: stopping after this step (a checkpoint is written); press Ctrl-C again to quit at once');
    controller.abort();
    process.off('SIGINT', onSigint);
  };
  process.on('SIGINT', onSigint);
  try {
    io.out(`agon train: ${resume ? 'resuming' : 'recipe'} ${source} → ${out}`);
    const rollouts = server ? { rollouts: natsRollouts({ credentials: natsCredentials(f) }) } : {};
    const result = await train(config, { out, resume, configSource: source, signal: controller.signal, ...rollouts, ...(opts.progress ? { progress: opts.progress } : {}) });
    if (result.stopped) {
      io.out(`agon train: stopped at step ${result.steps}; continue with: agon train --resume ${out}`);
      return 130;
    }
    if (result.eval) {
      io.out(`held-out accuracy before: ${result.eval.before.toFixed(3)}`);
      io.out(`held-out accuracy after:  ${result.eval.after.toFixed(3)}  (${result.eval.after - result.eval.before >= 0 ? '+' : ''}${(result.eval.after - result.eval.before).toFixed(3)})`);
    }
    io.out(`steps ${result.steps}, ${result.seconds.toFixed(1)} s${result.skippedSteps ? `, ${result.skippedSteps} skipped (non-finite)` : ''}`);
    io.out(`summary: ${out}/summary.json   report: ${out}/report.html`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if (process.env.AGON_DEBUG) throw e;
    throw new UsageError(`train: ${firstLine(e)}`);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** The fields of a run folder's config.json the CLI reads before train() does; undefined when unreadable (train reports why). */
async function savedConfig(file: string): Promise<{ backend?: unknown; rollouts?: { server?: string | null } } | undefined> {
  try {
    const c = JSON.parse(await readFile(file, 'utf8')) as unknown;
    return c && typeof c === 'object' ? (c as { backend?: unknown; rollouts?: { server?: string | null } }) : undefined;
  } catch {
    return undefined;
  }
}

/** What a run leaves in its folder; any of them marks the folder as used. */
const RUN_FILES = ['config.json', 'metrics.jsonl', 'samples.jsonl', 'checkpoints', 'model', 'adapter', 'summary.json', 'report.html'];

/** The run files present in `dir` (none when it does not exist). */
async function runFilesIn(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  return RUN_FILES.filter((f) => names.includes(f));
}
