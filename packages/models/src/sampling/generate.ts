/**
 * Batched sampling with a KV cache: prompts of different lengths are left-padded, every row gets
 * its own seeded random stream, and each sampled token is reported with its log-prob under the
 * model's own distribution (what the loss needs) and under the distribution sampled from.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM, Completion, KVCache, Sampler, SamplingOptions, Tokenizer } from '@agon/core';
import { createRng, drawWords, hasSampleKernel, nextMacrotask, sampleTokens, sampleTokensOnHost, type Rng } from '@agon/tensor';
import { emptyKVCache } from '../kv-cache.js';
import { checkDistributionOptions } from './distribution.js';
import { checkStop } from './stopping.js';

/**
 * Options of {@link generate}: the sampling options of `@agon/core` plus memory and padding.
 *
 * @example
 * ```ts
 * const opts: GenerateOptions = { maxNewTokens: 32, temperature: 0.8, seed: 1, microBatchSize: 8 };
 * ```
 */
export interface GenerateOptions extends SamplingOptions {
  /** Prompts run this many at a time, so memory stays flat as the batch grows. Default 16. */
  microBatchSize?: number;
  /** Id written in left padding (never attended to). Default: the tokenizer's EOS id. */
  padId?: number;
  /**
   * Sample in the backend's `AgonSampleTokens` kernel, reading back 3 numbers a row per token
   * (default: wherever the backend has it); false reads the [B, V] logits and samples them on the
   * host with the same math — the same tokens and log-probs, more transfer.
   */
  samplingKernel?: boolean;
}

/** One row being decoded. */
interface Row {
  index: number;
  rng: Rng;
  ids: number[];
  logprobs: number[];
  samplingLogprobs: number[];
  text: string;
  finish: Completion['finishReason'] | null;
}

/** Wall-clock milliseconds between yields to the event loop while decoding. */
const YIELD_MS = 100;
/**
 * When decoding last yielded, across calls: a loop of short generations (each under YIELD_MS)
 * yields as often as one long one.
 */
let yielded = performance.now();

/** Spreads (seed, row) over 32 bits so rows get unrelated streams, whatever the micro-batch split. */
function rowSeed(seed: number, row: number): number {
  let z = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(row + 1, 0x85ebca77)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d);
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Samples one completion per prompt.
 *
 * Greedy when `temperature` is 0 (its sampling log-prob is 0: the arg-max has probability 1).
 * Same seed, prompts and backend give the same tokens, whatever `microBatchSize` is.
 *
 * @example
 * ```ts
 * const { model, tokenizer } = await loadModel('stories260K.bin');
 * const [c] = await generate(model, tokenizer, [tokenizer.encode('Once upon a time', { bos: true })],
 *   { maxNewTokens: 32, temperature: 0.8, seed: 7 });
 * console.log(c.text, c.finishReason, c.logprobs.length);
 * ```
 */
export async function generate(
  model: CausalLM,
  tokenizer: Tokenizer,
  prompts: readonly (readonly number[])[],
  opts: GenerateOptions,
): Promise<Completion[]> {
  checkDistributionOptions(opts);
  if (!(Number.isInteger(opts.maxNewTokens) && opts.maxNewTokens >= 1)) {
    throw new Error(`sampling option 'maxNewTokens' must be an integer >= 1, got ${opts.maxNewTokens}`);
  }
  const micro = opts.microBatchSize ?? 16;
  if (!(Number.isInteger(micro) && micro >= 1)) throw new Error(`sampling option 'microBatchSize' must be an integer >= 1, got ${micro}`);
  prompts.forEach((p, i) => {
    if (p.length === 0) throw new Error(`prompt ${i} is empty: it needs at least one token (a BOS id)`);
    if (p.length + opts.maxNewTokens > model.config.maxPositions) {
      throw new Error(
        `prompt ${i} has ${p.length} tokens; with maxNewTokens ${opts.maxNewTokens} it exceeds the model's ${model.config.maxPositions} positions`,
      );
    }
  });
  const out: Completion[] = [];
  for (let start = 0; start < prompts.length; start += micro) {
    out.push(...(await generateBatch(model, tokenizer, prompts.slice(start, start + micro), start, opts)));
  }
  return out;
}

async function generateBatch(
  model: CausalLM,
  tokenizer: Tokenizer,
  prompts: readonly (readonly number[])[],
  offset: number,
  opts: GenerateOptions,
): Promise<Completion[]> {
  const seed = opts.seed ?? 0;
  const stopIds = new Set([tokenizer.eosId, ...(opts.stopIds ?? [])]);
  const stopStrings = opts.stopStrings ?? [];
  const padId = opts.padId ?? tokenizer.eosId;
  const rows: Row[] = prompts.map((_, i) => ({
    index: i,
    rng: createRng(rowSeed(seed, offset + i)),
    ids: [],
    logprobs: [],
    samplingLogprobs: [],
    text: '',
    finish: null,
  }));

  // Prefill: left-pad to the longest prompt; padding is masked out and positions start at 0 on the
  // first real token of each row, so a row's logits do not depend on the others.
  const L = Math.max(...prompts.map((p) => p.length));
  const idsHost: number[] = [];
  const posHost: number[] = [];
  for (const p of prompts) {
    const pad = L - p.length;
    for (let t = 0; t < L; t++) {
      idsHost.push(t < pad ? padId : p[t - pad]);
      posHost.push(Math.max(0, t - pad));
    }
  }
  let active = rows; // rows still decoding, in cache order
  let pads = prompts.map((p) => L - p.length); // left padding per active row
  let nextPos = prompts.map((p) => p.length); // per active row
  let cache: KVCache = emptyKVCache();
  const greedy = (opts.temperature ?? 1) === 0;
  const inKernel = (opts.samplingKernel ?? true) && hasSampleKernel();
  try {
    let last = step(model, tf.tensor2d(idsHost, [prompts.length, L], 'int32'), tf.tensor2d(posHost, [prompts.length, L], 'int32'), maskOf(pads, L), cache);
    cache = last.cache;
    for (let keyLength = L + 1; ; keyLength++) {
      const sampled = await sampleStep(last.logits, active, greedy, inKernel, opts); // [B, 3] for the active rows
      if (performance.now() - yielded >= YIELD_MS) {
        await nextMacrotask(); // timers, IO and signal handlers run; the tokens do not depend on it
        yielded = performance.now();
      }
      let chosen: number[] = [];
      for (let r = 0; r < active.length; r++) {
        const row = active[r];
        if (row.finish !== null) {
          // Only with a cache that cannot drop rows: a finished row rides along, ignored.
          chosen.push(padId);
          continue;
        }
        const id = sampled[3 * r];
        if (id < 0) throw new Error(`generate: prompt ${offset + row.index} has no distribution to sample its token ${row.ids.length} from (NaN or infinite logits)`);
        row.ids.push(id);
        row.logprobs.push(sampled[3 * r + 1]);
        row.samplingLogprobs.push(sampled[3 * r + 2]);
        const d = checkStop({ lastId: id, count: row.ids.length, text: tokenizer.decode(row.ids), stopIds, stopStrings, maxNewTokens: opts.maxNewTokens });
        row.text = d.text;
        row.finish = d.finish;
        chosen.push(id);
      }
      const keep = active.map((row, r) => (row.finish === null ? r : -1)).filter((r) => r >= 0);
      if (keep.length === 0) break;
      if (keep.length < active.length && cache.selectRows) {
        // Finished rows leave the batch: their cache rows, padding, positions and tokens go.
        const smaller = cache.selectRows(keep);
        cache.dispose();
        cache = smaller;
        active = keep.map((r) => active[r]);
        pads = keep.map((r) => pads[r]);
        nextPos = keep.map((r) => nextPos[r]);
        chosen = keep.map((r) => chosen[r]);
      }
      const B = active.length;
      const ids = tf.tensor2d(chosen, [B, 1], 'int32');
      const pos = tf.tensor2d(nextPos, [B, 1], 'int32');
      nextPos = nextPos.map((p) => p + 1);
      last = step(model, ids, pos, maskOf(pads, keyLength), cache);
      cache.dispose();
      cache = last.cache;
    }
  } finally {
    cache.dispose();
  }
  return rows.map((r) => ({
    ids: r.ids,
    text: r.text,
    finishReason: r.finish ?? 'length',
    logprobs: r.logprobs,
    samplingLogprobs: r.samplingLogprobs,
  }));
}

/**
 * The attention mask [B, Tk] of rows with `pads` left-padding slots (0 there, 1 after), or
 * undefined when no row is padded: the model then builds no padding bias, whose zeros would add
 * nothing to the scores (the same logits, a few ops less per step).
 */
function maskOf(pads: readonly number[], keyLength: number): tf.Tensor2D | undefined {
  if (pads.every((p) => p === 0)) return undefined;
  const m = new Float32Array(pads.length * keyLength).fill(1);
  pads.forEach((pad, r) => m.fill(0, r * keyLength, r * keyLength + pad));
  return tf.tensor2d(m, [pads.length, keyLength]);
}

/**
 * Samples the next token of every active row from `logits` [B, V] (which it frees) and returns
 * [B, 3]: id, model log-prob, sampling log-prob. Each unfinished row's stream gives one draw unless
 * greedy, as `sampleCategorical` took it; finished rows riding along get a zero draw, ignored.
 * With the kernel, one read of B·3 numbers; otherwise the logits are read and sampled on the host
 * by the same math.
 */
async function sampleStep(logits: tf.Tensor2D, active: readonly Row[], greedy: boolean, inKernel: boolean, opts: GenerateOptions): Promise<Float32Array> {
  const [B, V] = logits.shape;
  const draws = new Int32Array(2 * B);
  if (!greedy) {
    active.forEach((row, r) => {
      if (row.finish === null) draws.set(drawWords(row.rng), 2 * r);
    });
  }
  if (!inKernel) {
    const host = (await logits.data()) as Float32Array;
    logits.dispose();
    return sampleTokensOnHost(host, draws, V, opts);
  }
  const d = tf.tensor2d(draws, [B, 2], 'int32');
  const out = sampleTokens(logits, d, opts);
  tf.dispose([logits, d]);
  try {
    return (await out.data()) as Float32Array;
  } finally {
    out.dispose();
  }
}

/**
 * One forward pass; returns the last position's logits [B, V] and the grown cache. Frees ids,
 * positions and mask.
 */
function step(model: CausalLM, ids: tf.Tensor2D, positions: tf.Tensor2D, mask: tf.Tensor2D | undefined, cache: KVCache): { logits: tf.Tensor2D; cache: KVCache } {
  try {
    const out = model.forward(ids, { cache, positions, ...(mask ? { mask } : {}), lastOnly: true });
    if (!out.cache) throw new Error(`${model.config.architecture}: forward returned no cache although one was passed`);
    const [B, T, V] = out.logits.shape;
    // lastOnly gives [B, 1, V]: a reshape (no copy); a model that ignores it gets the last position sliced.
    const lastLogits = tf.tidy(() => tf.reshape(T === 1 ? out.logits : tf.slice(out.logits, [0, T - 1, 0], [B, 1, V]), [B, V]) as tf.Tensor2D);
    out.logits.dispose();
    return { logits: lastLogits, cache: out.cache };
  } finally {
    tf.dispose(mask ? [ids, positions, mask] : [ids, positions]);
  }
}

/**
 * A core {@link Sampler} over one model and tokenizer, for code that takes the interface (the
 * self-judge reward, a trainer): `generate` with fixed memory and padding options.
 *
 * @example
 * ```ts
 * const { model, tokenizer, eosIds } = await loadModel(STORIES_260K);
 * const sampler = createSampler(model, tokenizer, { microBatchSize: 8 });
 * const [c] = await sampler.generate([[1]], { maxNewTokens: 16, temperature: 0, stopIds: eosIds });
 * ```
 */
export function createSampler(
  model: CausalLM,
  tokenizer: Tokenizer,
  defaults: Pick<GenerateOptions, 'microBatchSize' | 'padId'> = {},
): Sampler {
  return { generate: (prompts, opts) => generate(model, tokenizer, prompts, { ...defaults, ...opts }) };
}
