/**
 * The three timed workloads, on whichever backend is active: batched decoding with the sampler,
 * a training step (forward + cross-entropy + backward + AdamW) and one full LSP iteration with
 * the trainer. Each runs a warm-up pass under `tf.profile` first (its peak tensor bytes and
 * per-kernel times are reported), then the timed passes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CausalLM, Tokenizer } from '@agon/core';
import { attachLora, generate, type LoadedModel } from '@agon/models';
import { scorerReward } from '@agon/objectives';
import { createRng, tokenLogprobs, watchDispatches, watchPeakTensorBytes, type DispatchCounts, type Rng } from '@agon/tensor';
import { AdamW, likelihoodScorer, train } from '@agon/trainer';

/**
 * Kernel name → calls and milliseconds, from one profiled pass.
 *
 * @example
 * ```ts
 * const k: KernelTimes = { BatchMatMul: { calls: 120, ms: 41.5 } };
 * ```
 */
export type KernelTimes = Record<string, { calls: number; ms: number }>;

/**
 * What one workload measured.
 *
 * @example
 * ```ts
 * const m: Measured = { value: 5120, unit: 'tokens/s', peakTensorBytes: 4e6, kernels: {}, extra: {} };
 * ```
 */
export interface Measured {
  /** tokens/s (decode, train) or seconds (lsp). */
  value: number;
  unit: 'tokens/s' | 's';
  /** Largest `tf.memory().numBytes` seen during the profiled warm-up pass. */
  peakTensorBytes: number;
  /** Per-kernel calls and times of the profiled warm-up pass. */
  kernels: KernelTimes;
  /** Secondary numbers (median step ms, prefill ms, final loss…). */
  extra: Record<string, number>;
}

/**
 * Runs `f` under tf.profile; returns its result with peak bytes and per-kernel times. Peak bytes
 * come from a hook on the engine's tensor registration (tf.profile's own peak spreads every kernel
 * record into Math.max and overflows the stack past ~100k kernels, as a large LSP iteration has);
 * in that case the kernel table is empty.
 */
async function profiled<T>(f: () => Promise<T> | T): Promise<{ result: T; peakBytes: number; kernels: KernelTimes }> {
  const watch = watchPeakTensorBytes();
  let result!: T;
  let done = false;
  const kernels: KernelTimes = {};
  try {
    const info = await tf.profile(async () => {
      result = await f();
      done = true;
      return [] as tf.Tensor[];
    });
    for (const k of info.kernels) {
      const e = (kernels[k.name] ??= { calls: 0, ms: 0 });
      e.calls += 1;
      e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    }
  } catch (e) {
    if (!(done && e instanceof RangeError)) throw e;
  } finally {
    watch.stop();
  }
  return { result, peakBytes: watch.peak(), kernels };
}

function randomIds(rng: Rng, rows: number, cols: number, vocab: number): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.nextUint32() % vocab));
}

/** The tokenizer with no end-of-sequence id, so every row decodes to full length as in torch_ref. */
function neverStops(t: Tokenizer): Tokenizer {
  return { encode: (s, o) => t.encode(s, o), decode: (ids) => t.decode(ids), bosId: t.bosId, eosId: -1, vocabSize: t.vocabSize };
}

/** Timed (t(1), t(n + 1)) pairs a decode row takes the median of. */
export const DECODE_REPEATS = 3;

/**
 * Decode shape: `batch` rows, a random prompt of `promptLen` ids, `newTokens` timed tokens.
 *
 * @example
 * ```ts
 * const s: DecodeShape = { batch: 32, promptLen: 16, newTokens: 128 };
 * ```
 */
export interface DecodeShape {
  batch: number;
  promptLen: number;
  newTokens: number;
}

/**
 * Greedy batched decoding with `generate` (KV cache, no stopping). As in torch_ref.py the token
 * made by the prefill is not counted: tokens/s = batch·newTokens / (t(newTokens + 1) − t(1)),
 * where t(n) is the wall time of a `generate` call making n tokens; after a profiled and a plain
 * warm-up pass, the median of {@link DECODE_REPEATS} such pairs. The same difference over one
 * more, untimed pair gives the dispatch counts of one decoding step (one token for every row):
 * kernels dispatched, reads of the backend (host round trips) and the numbers they brought back.
 *
 * @example
 * ```ts
 * const m = await measureDecode(await loadBenchModel('stories260K'), { batch: 1, promptLen: 16, newTokens: 128 });
 * m.extra.readsPerTokenStep; // 1
 * ```
 */
export async function measureDecode(loaded: LoadedModel, shape: DecodeShape, seed = 0): Promise<Measured> {
  const { model } = loaded;
  const tokenizer = neverStops(loaded.tokenizer);
  const rng = createRng(seed);
  const prompts = randomIds(rng, shape.batch, shape.promptLen, model.config.vocabSize);
  const run = (n: number) => generate(model, tokenizer, prompts, { maxNewTokens: n, temperature: 0, microBatchSize: shape.batch });
  const warm = await profiled(() => run(shape.newTokens + 1));
  // One more untimed pass (tf.profile's leaves the JIT cold), then the median of three timed
  // pairs; the dispatch counts come from a separate, untimed pair, because hooking the engine
  // deoptimises its hot paths for a while and would slow the pair it watches.
  await run(shape.newTokens + 1);
  const pairs: { steps: number; prefill: number }[] = [];
  for (let rep = 0; rep < DECODE_REPEATS; rep++) {
    const t0 = performance.now();
    await run(1);
    const t1 = performance.now();
    await run(shape.newTokens + 1);
    const t2 = performance.now();
    pairs.push({ steps: t2 - t1 - (t1 - t0), prefill: t1 - t0 });
  }
  pairs.sort((a, b) => a.steps - b.steps);
  const mid = pairs[pairs.length >> 1];
  const steps = mid.steps;
  const watch = watchDispatches();
  const counts: DispatchCounts[] = [];
  try {
    counts.push(watch.counts());
    await run(1);
    counts.push(watch.counts());
    await run(shape.newTokens + 1);
    counts.push(watch.counts());
  } finally {
    watch.stop();
  }
  const [c0, c1, c2] = counts;
  const perStep = (k: keyof DispatchCounts) => (c2[k] - c1[k] - (c1[k] - c0[k])) / shape.newTokens;
  return {
    value: (shape.batch * shape.newTokens) / (steps / 1000),
    unit: 'tokens/s',
    peakTensorBytes: warm.peakBytes,
    kernels: warm.kernels,
    extra: {
      msPerTokenStep: steps / shape.newTokens,
      prefillMs: mid.prefill,
      prefillTokensPerS: (shape.batch * shape.promptLen) / (mid.prefill / 1000),
      opsPerTokenStep: perStep('kernels'),
      readsPerTokenStep: perStep('reads'),
      valuesReadPerTokenStep: perStep('valuesRead'),
    },
  };
}

/**
 * Training shape: `batch` × `seq` random tokens per step, `steps` timed steps after `warmup`.
 *
 * @example
 * ```ts
 * const s: TrainShape = { batch: 8, seq: 256, steps: 5, warmup: 2 };
 * ```
 */
export interface TrainShape {
  batch: number;
  seq: number;
  steps: number;
  warmup: number;
  /** Train LoRA adapters of this rank (alpha 2·r, every attention and MLP projection) instead of every weight. */
  lora?: number;
  /** Activation recomputation per decoder layer (memory.recompute). */
  recompute?: boolean;
}

/** LoRA of rank r on every attention and MLP projection (the recipes' choice), alpha 2·r. */
function withLora(loaded: LoadedModel, r: number | undefined, recompute: boolean | undefined): { model: CausalLM; release(): void } {
  const lora = r ? attachLora(loaded.model, { r, alpha: 2 * r, targetModules: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] }) : undefined;
  const model: CausalLM = lora ?? loaded.model;
  if (recompute) {
    if (!model.setRecompute) throw new Error(`bench: the ${model.config.architecture} model cannot recompute activations`);
    model.setRecompute(true);
  }
  return {
    model,
    release: () => {
      model.setRecompute?.(false);
      lora?.detach();
    },
  };
}

/**
 * Forward + cross-entropy + backward + AdamW (lr 1e-4, weight decay 0.1, as torch_ref.py) on
 * random tokens. tokens/s = batch·seq·steps / timed seconds. The weights are trained in place.
 *
 * @example
 * ```ts
 * const m = await measureTrain(model, { batch: 8, seq: 256, steps: 5, warmup: 2 });
 * ```
 */
export async function measureTrain(loaded: LoadedModel, shape: TrainShape, seed = 0): Promise<Measured> {
  const adapted = withLora(loaded, shape.lora, shape.recompute);
  const { model } = adapted;
  const vars = model.trainableVariables();
  const opt = new AdamW(vars, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 });
  const rng = createRng(seed);
  const V = model.config.vocabSize;
  const step = async (): Promise<number> => {
    const rows = randomIds(rng, shape.batch, shape.seq + 1, V);
    const input = tf.tensor2d(rows.map((r) => r.slice(0, -1)), [shape.batch, shape.seq], 'int32');
    const target = tf.tensor2d(rows.map((r) => r.slice(1)), [shape.batch, shape.seq], 'int32');
    // The trainer's path: chunked lm_head log-probs from the hidden states where the model has them.
    const { value, grads } = tf.variableGrads(() => {
      const lp = model.tokenLogprobs ? model.tokenLogprobs(input, target, { entropy: false }).logprobs : tokenLogprobs(model.forward(input).logits, target);
      return tf.neg(tf.mean(lp)) as tf.Scalar;
    }, vars);
    opt.apply(grads, 1e-4);
    // Waits for the step (GPU backends run asynchronously; webgpu in Node has no synchronous read).
    const loss = (await value.data())[0];
    tf.dispose([input, target, value, ...Object.values(grads)]);
    return loss;
  };
  try {
    const warm = await profiled(step);
    for (let i = 1; i < shape.warmup; i++) await step();
    const times: number[] = [];
    let loss = warm.result;
    for (let i = 0; i < shape.steps; i++) {
      const t0 = performance.now();
      loss = await step();
      times.push(performance.now() - t0);
    }
    const total = times.reduce((a, b) => a + b, 0);
    return {
      value: (shape.batch * shape.seq * shape.steps) / (total / 1000),
      unit: 'tokens/s',
      peakTensorBytes: warm.peakBytes,
      kernels: warm.kernels,
      extra: { msPerStepMedian: median(times), finalLoss: loss },
    };
  } finally {
    opt.dispose();
    adapted.release();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * LSP iteration shape: N queries, G answers each, and the tokens each role may sample.
 *
 * @example
 * ```ts
 * const s: LspShape = { queries: 8, answers: 4, challengerTokens: 32, solverTokens: 32 };
 * ```
 */
export interface LspShape {
  queries: number;
  answers: number;
  challengerTokens: number;
  solverTokens: number;
  /** Train LoRA adapters of this rank (alpha 2·r, every projection); the reference is then the adapters-off view. */
  lora?: number;
  /** Activation recomputation per decoder layer (memory.recompute). */
  recompute?: boolean;
  /**
   * Run a profiled warm-up iteration before the timed ones (default true). false: a single
   * iteration, profiled and timed (for model shapes whose iteration takes minutes).
   */
  warmup?: boolean;
  /**
   * Iterations timed after the warm-up; the value is their median (default 3). The first few
   * iterations of a process still pay for V8 compiling the JavaScript and the kernels in the
   * background, on the cores the kernels run on, so one timed iteration moved by ±30% from run
   * to run.
   */
  iterations?: number;
}

/**
 * One Language Self-Play iteration with `train()` (steps: 1): the Challenger samples N queries
 * (open-ended LSP game, a story opening as its prompt), the Solver G answers each, a reward model
 * (a likelihood scorer of the policy's own size) scores them, the policy and the reference
 * (KL β = 0.05) score every token with gradient, and AdamW steps. A first iteration warms up
 * under tf.profile; the value is the median wall time of the `shape.iterations` that follow (of
 * the only one, profiled, when `shape.warmup` is false).
 *
 * @example
 * ```ts
 * const m = await measureLsp(policy, { queries: 8, answers: 4, challengerTokens: 32, solverTokens: 32 });
 * ```
 */
export async function measureLsp(policy: LoadedModel, shape: LspShape, seed = 0): Promise<Measured> {
  const iterations = shape.iterations ?? 3;
  if (!(Number.isInteger(iterations) && iterations >= 1)) throw new Error(`bench: lsp.iterations must be a whole number ≥ 1, got ${iterations}`);
  const dir = await mkdtemp(join(tmpdir(), 'agon-bench-lsp-'));
  const once = async (i: number) => {
    const r = await train(
      {
        game: { name: 'lsp', options: { maxChars: 200 }, challengerPrompt: 'Once upon a time' },
        steps: 1,
        queriesPerStep: shape.queries,
        answersPerQuery: shape.answers,
        // 8 sequences per forward/backward pass: with a 32000-word vocabulary all 32 at once need > 2 GB of logits and gradients, past the wasm heap.
        microBatchSize: 8,
        sampling: { temperature: 1, challengerMaxNewTokens: shape.challengerTokens, solverMaxNewTokens: shape.solverTokens },
        loss: { beta: 0.05 },
        ...(shape.lora ? { lora: { r: shape.lora, alpha: 2 * shape.lora } } : {}),
        memory: { recompute: shape.recompute ?? false },
        selfReward: null,
        eval: null,
        checkpointEvery: 0,
        seed: seed + i,
      },
      {
        out: join(dir, `run${i}`),
        policy,
        reward: scorerReward(likelihoodScorer(policy)),
        evaluate: null,
        progress: { write: () => undefined, isTTY: false },
      },
    );
    if (r.steps !== 1) throw new Error(`bench: the LSP iteration did not complete (${r.steps} steps, ${r.skippedSteps} skipped)`);
    return r;
  };
  try {
    const t0 = performance.now();
    const warm = await profiled(() => once(0));
    const warmSeconds = (performance.now() - t0) / 1000;
    const timed = shape.warmup ?? true;
    // Without a warm-up the profiled iteration is the one timed.
    const seconds = timed ? [] : [warmSeconds];
    let r = warm.result;
    let skippedSteps = r.skippedSteps;
    for (let i = 1; timed && i <= iterations; i++) {
      const t1 = performance.now();
      r = await once(i);
      seconds.push((performance.now() - t1) / 1000);
      skippedSteps += r.skippedSteps;
    }
    return {
      value: median(seconds),
      unit: 's',
      peakTensorBytes: warm.peakBytes,
      kernels: warm.kernels,
      extra: { loss: r.final.loss ?? Number.NaN, skippedSteps, iterations: seconds.length, secondsMin: Math.min(...seconds), secondsMax: Math.max(...seconds) },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
