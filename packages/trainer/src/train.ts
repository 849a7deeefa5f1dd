/**
 * `train()`: Language Self-Play (Algorithm 1) with any CausalLM, Game, RewardFns and Objective.
 * Each optimizer step runs `accumulationSteps` rollouts (N queries × G answers each), sums their
 * gradients micro-batch by micro-batch, clips the global norm and applies AdamW, unless the loss
 * or the gradient is not finite (then the step is skipped and counted).
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CausalLM, Game } from '@agon/core';
import { watchPeakTensorBytes, type PeakWatch } from '@agon/tensor';
import { AdamW } from './adamw.js';
import { loadCheckpoint, saveCheckpoint, type CheckpointState } from './checkpoint.js';
import { parseTrainConfig, type TrainConfig, type TrainConfigInput } from './config.js';
import { diagnose, type Diagnostic } from './diagnostics.js';
import { resolveRun, type ResolvedRun, type TrainDeps } from './resolve.js';
import { accumulateGradients, zeroFill } from './gradients.js';
import { clipByGlobalNorm, globalNorm } from './grad-norm.js';
import { progressReporter } from './progress.js';
import { writeReport } from './report.js';
import { rollout } from './rollout.js';
import { readMetrics, runFolderSink, truncateLogs, writeJson, type MemoryUse } from './run-folder.js';
import { learningRate } from './schedule.js';

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
  /** Optimizer steps completed. */
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
 * objects that replace what the config would build (the model, game, rewards, query source,
 * objectives, evaluator) and the run's IO (out folder, resume, log, clock, abort signal).
 *
 * With `deps.resume`, the config is read from `<out>/config.json` (fields of `config` override it,
 * e.g. `steps`), the newest checkpoint is restored, and the run continues exactly as if it had
 * never stopped: same samples, same metrics, same weights.
 *
 * @example
 * ```ts
 * import { train } from '@agon/trainer';
 * const result = await train({ model: 'default', steps: 20, seed: 1 }, { out: 'runs/first' });
 * console.log(`held-out accuracy ${result.eval?.before} → ${result.eval?.after}`);
 * ```
 */
export async function train<Q = unknown>(config: TrainConfigInput, deps: TrainDeps<Q> = {}): Promise<TrainResult> {
  const out = deps.out ?? 'runs/latest';
  let cfg: TrainConfig;
  if (deps.resume) {
    const file = join(out, 'config.json');
    let saved: unknown;
    try {
      saved = JSON.parse(await readFile(file, 'utf8'));
    } catch (e) {
      throw new Error(`${file}: cannot resume: ${(e as Error).message.split('\n')[0]}`);
    }
    cfg = parseTrainConfig({ ...(saved as object), ...config }, file);
  } else {
    cfg = parseTrainConfig(config, deps.configSource ?? 'config');
  }
  const run = await resolveRun(cfg, deps);
  try {
    return await runLoop(cfg, run, deps, out);
  } finally {
    run.dispose();
  }
}

async function runLoop<Q>(cfg: TrainConfig, run: ResolvedRun<Q>, deps: TrainDeps<Q>, out: string): Promise<TrainResult> {
  const clock = deps.clock ?? (() => performance.now() / 1000);
  const t0 = clock();
  const progress = progressReporter(deps.progress ?? { write: (s) => process.stderr.write(s), isTTY: process.stderr.isTTY === true }, cfg.steps);
  const log = (line: string) => progress.line(line);
  const vars = run.model.trainableVariables();
  const optimizer = new AdamW(vars, cfg.optimizer);
  const peak = watchPeakTensorBytes();
  try {
    await mkdir(out, { recursive: true });
    let state: CheckpointState = { step: 0, optimizerSteps: 0, seed: cfg.seed, skippedSteps: 0, elapsedSeconds: 0 };
    if (deps.resume) {
      state = await loadCheckpoint(out, vars, optimizer);
      await truncateLogs(out, state.step);
      log(`resumed ${out} at step ${state.step}`);
    } else {
      // A fresh run in a used folder replaces the old run: a stale checkpoint must never be resumed.
      await truncateLogs(out, 0);
      for (const stale of ['checkpoints', 'model', 'adapter', 'summary.json', 'report.html']) await rm(join(out, stale), { recursive: true, force: true });
    }
    await writeJson(out, 'config.json', cfg);
    const sink = runFolderSink(out, () => state.elapsedSeconds + clock() - t0, () => stepMemory(peak));
    const history: Record<string, number>[] = (await readMetrics(out)).map((l) => nums(l.metrics));
    const warnings = new Map<string, string>(); // kind → first message: each kind is reported once
    const warn = (found: readonly Diagnostic[], step: number) => {
      for (const w of found) {
        if (warnings.has(w.kind)) continue;
        warnings.set(w.kind, `step ${step}: ${w.message}`);
        log(`warning: ${w.message}`);
      }
    };

    if (run.evaluate && state.evalBefore === undefined && state.step === 0) {
      state.evalBefore = await evaluateLogged(run.evaluate, run.model, 'before', log);
    }

    const tLoop = clock(); // the ETA counts training steps only, not the first evaluation
    let final: Record<string, number> = history[history.length - 1] ?? {};
    let stopped = false;
    const firstStep = state.step;
    while (state.step < cfg.steps) {
      const step = state.step; // 0-based index of the step being run
      const sums: Record<string, number> = {};
      const counts: Record<string, number> = {};
      const samples = [];
      const acc: Record<string, tf.Tensor> = {};
      let nonFinite = false;
      const K = cfg.accumulationSteps;
      for (let k = 0; k < K; k++) {
        const r = await rollout(run.rollout, step * K + k, cfg.seed, step + 1);
        samples.push(...r.samples);
        nonFinite ||= r.nonFinite;
        let g: Record<string, number> = {};
        if (!r.nonFinite) g = await accumulateGradients(run.gradients, { solver: r.solver, challenger: r.challenger }, acc, 1 / K);
        // Averaged over the rollouts that report each metric (a rollout with no valid query has no Solver loss).
        for (const [name, v] of Object.entries({ ...r.metrics, ...g })) {
          sums[name] = (sums[name] ?? 0) + v;
          counts[name] = (counts[name] ?? 0) + 1;
        }
      }
      const metrics: Record<string, number> = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / counts[k]]));
      zeroFill(acc, vars);
      const norm = nonFinite ? Number.NaN : await globalNorm(acc);
      const lr = learningRate(step, cfg.optimizer, cfg.steps);
      const skip = nonFinite || !Number.isFinite(metrics.loss ?? Number.NaN) || !Number.isFinite(norm);
      if (skip) {
        state.skippedSteps += 1;
        log(`step ${step + 1}: skipped (non-finite ${nonFinite ? 'reward' : Number.isFinite(metrics.loss) ? 'gradient' : 'loss'}); weights not updated`);
      } else {
        clipByGlobalNorm(acc, norm, cfg.optimizer.clipNorm);
        optimizer.apply(acc, lr);
      }
      tf.dispose(Object.values(acc));
      Object.assign(metrics, { lr, gradNorm: norm, skipped: skip ? 1 : 0, skippedSteps: state.skippedSteps });
      state.step += 1;
      state.optimizerSteps = optimizer.steps;

      if (run.evaluate && cfg.eval && cfg.eval.every > 0 && state.step % cfg.eval.every === 0 && state.step < cfg.steps) {
        metrics['eval/accuracy'] = await evaluateLogged(run.evaluate, run.model, `step ${state.step}`, log);
      }
      history.push(metrics);
      warn(diagnose(history, cfg.diagnostics, { accuracyBefore: state.evalBefore }), state.step);
      sink.write(state.step, metrics, samples);
      final = metrics;
      progress.step(state.step, metrics, clock() - tLoop, firstStep);

      const aborted = deps.signal?.aborted === true;
      if ((cfg.checkpointEvery > 0 && state.step % cfg.checkpointEvery === 0) || state.step === cfg.steps || aborted) {
        await sink.flush();
        await saveCheckpoint(out, vars, optimizer, { ...state, elapsedSeconds: state.elapsedSeconds + clock() - t0 }, cfg.keepCheckpoints);
      }
      if (aborted) {
        stopped = true;
        break;
      }
    }
    await sink.close();
    progress.done();

    let evalResult: TrainResult['eval'];
    if (!stopped && run.evaluate && state.evalBefore !== undefined) {
      const after = await evaluateLogged(run.evaluate, run.model, 'after', log);
      // The final evaluation is checked like the periodic ones (only its accuracy is new).
      warn(diagnose([...history, { 'eval/accuracy': after }], cfg.diagnostics, { accuracyBefore: state.evalBefore }), state.step);
      evalResult = { before: state.evalBefore, after };
    }
    const seconds = state.elapsedSeconds + clock() - t0; // both evaluations included
    const result: TrainResult = { ...(evalResult ? { eval: evalResult } : {}), steps: state.step, seconds, skippedSteps: state.skippedSteps, warnings: [...warnings.values()], final, stopped, out };
    if (!stopped) {
      await writeJson(out, 'summary.json', { ...result, out: undefined, game: run.game.name, model: cfg.model, seed: cfg.seed, backend: tf.getBackend() });
      if (run.exportModel) await run.exportModel(join(out, cfg.lora ? 'adapter' : 'model'));
    }
    await writeReport(out, { title: `agon train — ${run.game.name ?? 'game'} — ${cfg.model}`, summary: result });
    return result;
  } finally {
    peak.stop();
    optimizer.dispose();
  }
}

/** This step's memory for metrics.jsonl; starts the next step's tensor peak. */
function stepMemory(peak: PeakWatch): MemoryUse {
  const MB = 2 ** 20;
  const use = {
    peakTensorMB: Math.round((peak.peak() / MB) * 10) / 10,
    rssMB: Math.round(process.memoryUsage().rss / MB),
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024), // maxRSS is in KiB
  };
  peak.reset();
  return use;
}

function nums(m: Record<string, number | null>): Record<string, number> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v ?? Number.NaN]));
}

async function evaluateLogged(evaluate: (m: CausalLM) => Promise<{ accuracy: number; n: number }>, model: CausalLM, label: string, log: (s: string) => void): Promise<number> {
  const r = await evaluate(model);
  log(`eval ${label}: accuracy ${r.accuracy.toFixed(3)} on ${r.n} held-out queries`);
  return r.accuracy;
}

export type { Game };
