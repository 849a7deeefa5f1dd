/**
 * Batched sampling with a KV cache: prompts of different lengths are left-padded, every row gets
 * its own seeded random stream, and each sampled token is reported with its log-prob under the
 * model's own distribution (what the loss needs) and under the distribution sampled from.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM, Completion, KVCache, Sampler, SamplingOptions, Tokenizer } from '@agon/core';
import { createRng, nextMacrotask, sampleCategorical, type Rng } from '@agon/tensor';
import { emptyKVCache } from '../kv-cache.js';
import { checkDistributionOptions, logProbOf, samplingProbs } from './distribution.js';
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
  const maskHost: number[] = [];
  for (const p of prompts) {
    const pad = L - p.length;
    for (let t = 0; t < L; t++) {
      idsHost.push(t < pad ? padId : p[t - pad]);
      posHost.push(Math.max(0, t - pad));
      maskHost.push(t < pad ? 0 : 1);
    }
  }
  let active = rows; // rows still decoding, in cache order
  let mask = tf.tensor2d(maskHost, [prompts.length, L], 'float32'); // [B, Tk]
  let nextPos = prompts.map((p) => p.length); // per active row
  let cache: KVCache = emptyKVCache();
  let yielded = performance.now();
  try {
    let last = step(model, tf.tensor2d(idsHost, [prompts.length, L], 'int32'), tf.tensor2d(posHost, [prompts.length, L], 'int32'), mask, cache);
    cache = last.cache;
    for (;;) {
      const logits = await last.logits.data(); // [B, V] for the active rows
      last.logits.dispose();
      if (performance.now() - yielded >= YIELD_MS) {
        await nextMacrotask(); // timers, IO and signal handlers run; the tokens do not depend on it
        yielded = performance.now();
      }
      const V = logits.length / active.length;
      let chosen: number[] = [];
      for (let r = 0; r < active.length; r++) {
        const row = active[r];
        if (row.finish !== null) {
          // Only with a cache that cannot drop rows: a finished row rides along, ignored.
          chosen.push(padId);
          continue;
        }
        const l = logits.subarray(r * V, (r + 1) * V);
        const probs = samplingProbs(l, opts);
        const id = probs ? sampleCategorical(probs, row.rng) : argMax(l);
        row.ids.push(id);
        row.logprobs.push(logProbOf(l, id));
        row.samplingLogprobs.push(probs ? Math.log(probs[id]) : 0);
        const d = checkStop({ lastId: id, count: row.ids.length, text: tokenizer.decode(row.ids), stopIds, stopStrings, maxNewTokens: opts.maxNewTokens });
        row.text = d.text;
        row.finish = d.finish;
        chosen.push(id);
      }
      const keep = active.map((row, r) => (row.finish === null ? r : -1)).filter((r) => r >= 0);
      if (keep.length === 0) break;
      if (keep.length < active.length && cache.selectRows) {
        // Finished rows leave the batch: their cache rows, mask rows, positions and tokens go.
        const smaller = cache.selectRows(keep);
        cache.dispose();
        cache = smaller;
        const m = tf.gather(mask, keep, 0) as tf.Tensor2D;
        mask.dispose();
        mask = m;
        active = keep.map((r) => active[r]);
        nextPos = keep.map((r) => nextPos[r]);
        chosen = keep.map((r) => chosen[r]);
      }
      const B = active.length;
      const grown = tf.tidy(() => tf.concat([mask, tf.ones([B, 1])], 1) as tf.Tensor2D);
      mask.dispose();
      mask = grown;
      const ids = tf.tensor2d(chosen, [B, 1], 'int32');
      const pos = tf.tensor2d(nextPos, [B, 1], 'int32');
      nextPos = nextPos.map((p) => p + 1);
      last = step(model, ids, pos, mask, cache);
      cache.dispose();
      cache = last.cache;
    }
  } finally {
    cache.dispose();
    mask.dispose();
  }
  return rows.map((r) => ({
    ids: r.ids,
    text: r.text,
    finishReason: r.finish ?? 'length',
    logprobs: r.logprobs,
    samplingLogprobs: r.samplingLogprobs,
  }));
}

/** One forward pass; returns the last position's logits [B, V] and the grown cache. Frees ids/positions. */
function step(model: CausalLM, ids: tf.Tensor2D, positions: tf.Tensor2D, mask: tf.Tensor2D, cache: KVCache): { logits: tf.Tensor2D; cache: KVCache } {
  try {
    const out = model.forward(ids, { cache, positions, mask, lastOnly: true });
    if (!out.cache) throw new Error(`${model.config.architecture}: forward returned no cache although one was passed`);
    const [B, T, V] = out.logits.shape;
    const lastLogits = tf.tidy(() => tf.reshape(tf.slice(out.logits, [0, T - 1, 0], [B, 1, V]), [B, V]) as tf.Tensor2D);
    out.logits.dispose();
    return { logits: lastLogits, cache: out.cache };
  } finally {
    ids.dispose();
    positions.dispose();
  }
}

function argMax(l: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < l.length; i++) if (l[i] > l[best]) best = i;
  return best;
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
