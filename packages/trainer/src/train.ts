/**
 * `train()`: Language Self-Play (Algorithm 1) with any CausalLM, Game, RewardFns and Objective.
 * Each step samples `accumulationSteps` rollouts (N queries × G answers each) and updates the
 * policy from them (`loss.ppoEpochs` passes of `loss.miniBatches` AdamW updates; one update by
 * default), skipping any update whose loss or gradient is not finite.
 */
import * as tf from '@tensorflow/tfjs-core';
import { isNode, nextMacrotask, watchPeakTensorBytes } from '@agon/tensor';
import { AdamW } from './adamw.js';
import { listCheckpoints, loadCheckpoint, removeOrphanCheckpoints, saveCheckpoint, type CheckpointState } from './checkpoint.js';
import { parseTrainConfig, type TrainConfig, type TrainConfigInput } from './config.js';
import type { TrainDeps } from './deps.js';
import { diagnose, type Diagnostic } from './diagnostics.js';
import { memoryRunIO } from './io/memory-run-io.js';
import { nodeRunIO } from './io/node-run-io.js';
import { readText, where, writeJson, type RunIO } from './io/run-io.js';
import { progressReporter } from './progress.js';
import { writeReport } from './report.js';
import { resolveRun, type ResolvedRun } from './resolve.js';
import type { Rollout, RolloutContext } from './rollout.js';
import { jobsForStep } from './rollout-job.js';
import { assembleStep, localRollouts, type RolloutRunner } from './rollout-runner.js';
import { readMetrics, runFolderSink, truncateLogs } from './run-folder.js';
import { defaultLogger, stepMemory } from './runtime.js';
import { learningRate } from './schedule.js';
import { checkpointFailed, failedEval, failedStep, failedUpdate } from './step-failure.js';
import { meanOf, updatePolicy } from './update.js';

/**
 * What {@link train} returns (also written to summary.json).
 *
 * @example
 * ```ts
 * const r: TrainResult = await train({ steps: 2 }, { out: 'runs/a' });
 * console.log(r.eval?.before, r.eval?.after, r.steps, r.seconds);
 * ```
 */
export interface TrainResult {
  /** Held-out accuracy (0–1) before and after training, when the game is verifiable and eval is on. */
  eval?: { before: number; after: number };
  /** Training steps completed. */
  steps: number;
  /** Wall-clock seconds of the run from the first evaluation to the last (resumed runs add the seconds before the resume). */
  seconds: number;
  /** Steps skipped by the non-finite guard. */
  skippedSteps: number;
  /** Every diagnostic warning, once each. */
  warnings: string[];
  /** The last step's metrics. */
  final: Record<string, number>;
  /** True when `signal` stopped the run early (a checkpoint was written at the stop). */
  stopped: boolean;
  /** The run folder. */
  out: string;
}

/**
 * Runs Language Self-Play. `config` is plain data (validated here, before any work); `deps` pass
 * the run's IO (run folder, resume, logger, clock, abort signal, an extra metrics sink) and pieces
 * that replace what the config would build (the model, sampler, game, rewards, query source,
 * objectives, evaluator, exporter).
 *
 * With `deps.resume`, the config is read from the run folder's config.json (fields of `config`
 * override it, e.g. `steps`), the newest checkpoint is restored, and the run continues exactly as
 * if it had never stopped: same samples, same metrics, same weights.
 *
 * @example
 * ```ts
 * import { train } from '@agon/trainer';
 * const result = await train({ model: 'default', steps: 20, seed: 1 }, { out: 'runs/first' });
 * console.log(`held-out accuracy ${result.eval?.before} → ${result.eval?.after}`);
 * ```
 */
export async function train<Q = unknown>(config: TrainConfigInput, deps: TrainDeps<Q> = {}): Promise<TrainResult> {
  const io = deps.io ?? (isNode() ? nodeRunIO(deps.out ?? 'runs/latest') : memoryRunIO());
  let cfg: TrainConfig;
  if (deps.resume) {
    const file = where(io, 'config.json');
    let saved: unknown;
    try {
      const text = await readText(io, 'config.json');
      if (text === null) throw new Error('no such file');
      saved = JSON.parse(text);
    } catch (e) {
      throw new Error(`${file}: cannot resume: ${(e as Error).message.split('\n')[0]}`);
    }
    cfg = parseTrainConfig({ ...(saved as object), ...config }, file);
  } else {
    cfg = parseTrainConfig(config, deps.configSource ?? 'config');
  }
  const run = await resolveRun(cfg, deps, deps.signal);
  try {
    return await runLoop(cfg, run, deps, io);
  } finally {
    run.dispose();
  }
}

async function runLoop<Q>(cfg: TrainConfig, run: ResolvedRun<Q>, deps: TrainDeps<Q>, io: RunIO): Promise<TrainResult> {
  const clock = deps.clock ?? (() => performance.now() / 1000);
  const t0 = clock();
  const progress = progressReporter(deps.progress ?? defaultLogger(), cfg.steps);
  const log = (line: string) => progress.line(line);
  const vars = run.model.trainableVariables();
  const runner = await rolloutRunner(cfg, run, deps, io, log);
  const optimizer = new AdamW(vars, cfg.optimizer);
  const peak = watchPeakTensorBytes();
  try {
    let state: CheckpointState = { step: 0, optimizerSteps: 0, seed: cfg.seed, skippedSteps: 0, elapsedSeconds: 0 };
    await removeOrphanCheckpoints(io);
    if (deps.resume && (await listCheckpoints(io)).length === 0) {
      // Killed before its first checkpoint: the run starts over in its own folder.
      await truncateLogs(io, 0);
      log(`resuming ${io.location}: no checkpoint yet, starting from step 0`);
    } else if (deps.resume) {
      state = await loadCheckpoint(io, vars, optimizer);
      await truncateLogs(io, state.step);
      log(`resumed ${io.location} at step ${state.step}`);
    } else {
      // A fresh run in a used folder replaces the old run: a stale checkpoint must never be resumed.
      await truncateLogs(io, 0);
      for (const stale of ['checkpoints', 'model', 'adapter', 'summary.json', 'report.html']) await io.remove(stale);
    }
    await writeJson(io, 'config.json', cfg);
    const sink = runFolderSink(io, () => state.elapsedSeconds + clock() - t0, () => stepMemory(peak));
    const history: Record<string, number>[] = (await readMetrics(io)).map((l) => nums(l.metrics));
    // kind → first message: each kind is reported once, across resumes too (kept in checkpoints)
    const warnings = new Map<string, string>(state.warnings ?? []);
    const warn = (found: readonly Diagnostic[], step: number) => {
      for (const w of found) {
        if (warnings.has(w.kind)) continue;
        warnings.set(w.kind, `step ${step}: ${w.message}`);
        log(`warning: ${w.message}`);
      }
    };

    if (run.evaluate && state.evalBefore === undefined && state.step === 0) {
      state.evalBefore = await evaluateLogged(run.evaluate, 'before', log);
    }

    const tLoop = clock(); // the ETA counts training steps only, not the first evaluation
    let final: Record<string, number> = history[history.length - 1] ?? {};
    let stopped = false;
    const firstStep = state.step;
    let savedStep = state.step;
    let savedAt = clock();
    const checkpoint = async () => {
      await sink.flush();
      state.warnings = [...warnings];
      await saveCheckpoint(io, vars, optimizer, { ...state, elapsedSeconds: state.elapsedSeconds + clock() - t0 }, cfg.keepCheckpoints);
      savedStep = state.step;
      savedAt = clock();
    };
    while (state.step < cfg.steps) {
      // Let the event loop run (signal handlers, timers, log writes) between steps: a Ctrl-C is
      // then noticed after the step in flight, not at the next checkpoint.
      await nextMacrotask();
      if (deps.signal?.aborted) {
        stopped = true;
        break;
      }
      const step = state.step; // 0-based index of the step being run
      let rollouts: Rollout[];
      let runnerMetrics: Record<string, number>;
      try {
        const done = await runner.step(step);
        rollouts = assembleStep(run.rollout, done.results);
        runnerMetrics = done.metrics;
      } catch (e) {
        // Nothing of this step was applied: the weights are still those after the last step.
        if (deps.signal?.aborted) {
          stopped = true; // stopped while waiting (e.g. for a reward server): the step is dropped
          break;
        }
        throw await failedStep(e, step, state.step > savedStep ? checkpoint : null, state.step);
      }
      const remote = run.remote.take();
      for (const note of remote.notes) log(note);
      const metrics = { ...meanOf(rollouts.map((r) => r.metrics)), ...runnerMetrics };
      const lr = learningRate(step, cfg.optimizer, cfg.steps);
      let skipReason: string | null = rollouts.some((r) => r.nonFinite) ? 'reward' : null;
      let gradNorm = Number.NaN;
      if (!skipReason) {
        const plan = { epochs: cfg.loss.ppoEpochs, miniBatches: cfg.loss.miniBatches, lr, clipNorm: cfg.optimizer.clipNorm };
        const updates = await failedUpdate(() => updatePolicy(run.gradients, optimizer, rollouts, plan), () => optimizer.steps, step, state.step > savedStep ? checkpoint : null, state.step, savedStep);
        Object.assign(metrics, meanOf(updates.map((u) => u.metrics)));
        gradNorm = mean(updates.map((u) => u.gradNorm));
        skipReason = updates.find((u) => u.skipped)?.reason ?? null;
      }
      if (skipReason) {
        state.skippedSteps += 1;
        log(`step ${step + 1}: skipped (non-finite ${skipReason}); weights not updated`);
      }
      Object.assign(metrics, { lr, gradNorm, skipped: skipReason ? 1 : 0, skippedSteps: state.skippedSteps, 'reward/remoteRetries': remote.retries });
      state.step += 1;
      state.optimizerSteps = optimizer.steps;

      const samples = rollouts.flatMap((r) => r.samples);
      if (run.evaluate && cfg.eval && cfg.eval.every > 0 && state.step % cfg.eval.every === 0 && state.step < cfg.steps) {
        metrics['eval/accuracy'] = await failedEval(evaluateLogged.bind(null, run.evaluate, `step ${state.step}`, log), state.step, async () => (sink.write(state.step, metrics, samples), checkpoint()));
      }
      history.push(metrics);
      warn(diagnose(history, cfg.diagnostics, { accuracyBefore: state.evalBefore }), state.step);
      sink.write(state.step, metrics, samples);
      deps.metrics?.write(state.step, metrics, samples);
      try {
        await sink.flush(); // whole lines on disk every step, for anyone tailing the logs
      } catch (e) {
        // This step's lines are not on disk (the IO cut them back): a checkpoint of it would resume
        // without them, so the last checkpoint stands.
        throw await failedStep(e, step, null, savedStep);
      }
      final = metrics;
      progress.step(state.step, metrics, clock() - tLoop, firstStep);

      const aborted = deps.signal?.aborted === true;
      const byCount = cfg.checkpointEvery > 0 && state.step % cfg.checkpointEvery === 0;
      const byTime = cfg.checkpointSeconds > 0 && clock() - savedAt >= cfg.checkpointSeconds;
      if (byCount || byTime || state.step === cfg.steps || aborted) {
        try {
          await checkpoint();
        } catch (e) {
          throw checkpointFailed(e, state.step, savedStep);
        }
      }
      if (aborted) {
        stopped = true;
        break;
      }
    }
    if (stopped && state.step > savedStep) await checkpoint();
    await sink.close();
    await deps.metrics?.close();
    progress.done();

    let evalResult: TrainResult['eval'];
    if (!stopped && run.evaluate && state.evalBefore !== undefined) {
      const after = await evaluateLogged(run.evaluate, 'after', log);
      // The final evaluation is checked like the periodic ones (only its accuracy is new).
      warn(diagnose([...history, { 'eval/accuracy': after }], cfg.diagnostics, { accuracyBefore: state.evalBefore }), state.step);
      evalResult = { before: state.evalBefore, after };
    }
    const seconds = state.elapsedSeconds + clock() - t0; // both evaluations included
    const result: TrainResult = { ...(evalResult ? { eval: evalResult } : {}), steps: state.step, seconds, skippedSteps: state.skippedSteps, warnings: [...warnings.values()], final, stopped, out: io.location };
    if (!stopped) {
      // The model first, summary.json last: a summary marks a finished run, so it must never sit
      // beside a missing or half-written model.
      if (run.exporter) for (const [name, data] of await run.exporter.files()) await io.writeAtomic(`${run.exporter.folder}/${name}`, data);
      await writeJson(io, 'summary.json', { ...result, out: undefined, game: run.game.name, model: cfg.model, seed: cfg.seed, backend: tf.getBackend() });
    }
    await writeReport(io, { title: `agon train — ${run.game.name ?? 'game'} — ${cfg.model}`, summary: result });
    return result;
  } finally {
    peak.stop();
    optimizer.dispose();
    await runner.close();
  }
}

/** The config's rollout runner: `deps.rollouts`, else this process (a `rollouts.server` needs `deps.rollouts`). */
async function rolloutRunner<Q>(cfg: TrainConfig, run: ResolvedRun<Q>, deps: TrainDeps<Q>, io: RunIO, log: (line: string) => void): Promise<RolloutRunner> {
  if (cfg.rollouts.server !== null && !deps.rollouts) {
    throw new Error(`config: field rollouts.server: ${cfg.rollouts.server} needs a rollout runner: pass deps.rollouts (natsRollouts of @agon/distributed; the agon CLI does)`);
  }
  const make = deps.rollouts ?? localRollouts;
  return make({
    config: cfg,
    model: run.model,
    rollout: run.rollout as RolloutContext<unknown>,
    io,
    resume: deps.resume === true,
    ...(deps.signal ? { signal: deps.signal } : {}),
    log,
    jobsFor: (step) => jobsForStep(cfg, step),
  });
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);

function nums(m: Record<string, number | null>): Record<string, number> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v ?? Number.NaN]));
}

async function evaluateLogged(evaluate: () => Promise<{ accuracy: number; n: number }>, label: string, log: (s: string) => void): Promise<number> {
  const r = await evaluate();
  log(`eval ${label}: accuracy ${r.accuracy.toFixed(3)} on ${r.n} held-out queries`);
  return r.accuracy;
}
