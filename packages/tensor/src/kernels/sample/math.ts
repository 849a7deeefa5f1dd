/**
 * The sampling math, in float64 on host arrays: the distribution a token is drawn from
 * (temperature, top-k, top-p, min-p), the draw itself (one uniform against the running sum), and
 * the two log-probs reported with each token. The `AgonSampleTokens` kernel on cpu and wasm, the
 * host path of backends without it, and `sampleCategorical` all run this one implementation.
 */
import { expF64 } from './exp.js';

/**
 * How the sampling distribution is shaped. Filters apply in the order of Hugging Face's
 * `generate` warpers: temperature, then top-k, then top-p, then min-p.
 *
 * @example
 * ```ts
 * const shape: DistributionOptions = { temperature: 0.7, topK: 40, topP: 0.95 };
 * ```
 */
export interface DistributionOptions {
  /** 0 means greedy (arg-max, first on ties). Default 1. */
  temperature?: number;
  /** Keep the k most likely tokens; 0 or undefined keeps all. */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p; 1 or undefined keeps all. */
  topP?: number;
  /** Drop tokens whose probability is below minP × the largest probability; 0 or undefined keeps all. */
  minP?: number;
}

/**
 * Throws a clear error when an option is out of range.
 *
 * @example
 * ```ts
 * checkDistributionOptions({ topP: 1.5 }); // throws "sampling option 'topP' must be in (0, 1], got 1.5"
 * ```
 */
export function checkDistributionOptions(o: DistributionOptions): void {
  const bad = (field: string, want: string, got: unknown): never => {
    throw new Error(`sampling option '${field}' must be ${want}, got ${String(got)}`);
  };
  if (o.temperature !== undefined && !(o.temperature >= 0 && Number.isFinite(o.temperature))) bad('temperature', 'a finite number >= 0', o.temperature);
  if (o.topK !== undefined && !(Number.isInteger(o.topK) && o.topK >= 0)) bad('topK', 'an integer >= 0', o.topK);
  if (o.topP !== undefined && !(o.topP > 0 && o.topP <= 1)) bad('topP', 'in (0, 1]', o.topP);
  if (o.minP !== undefined && !(o.minP >= 0 && o.minP <= 1)) bad('minP', 'in [0, 1]', o.minP);
}

/**
 * log softmax(logits)[id], in float64: the model's own log-prob of one token.
 *
 * @example
 * ```ts
 * logProbOf(new Float32Array([0, 0]), 0); // Math.log(0.5)
 * ```
 */
export function logProbOf(logits: ArrayLike<number>, id: number): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  return logits[id] - max - Math.log(expRowSum(logits, max, 1, null));
}

/**
 * The sampler's one hot loop: Σ e_i in index order over a row of logits, e_i = exp((logits[i] −
 * max) / temperature) in float64 (fdlibm's exp), each e_i also written to `p` when given. A
 * native twin of it (the wasm kernel's `exp_shifted_f64`) must return the same bits.
 *
 * @example
 * ```ts
 * const fn: ExpRowSum = expRowSum;
 * fn(new Float32Array([0, 0]), 0, 1, null); // 2
 * ```
 */
export type ExpRowSum = (logits: ArrayLike<number>, max: number, temperature: number, p: Float64Array | null) => number;

/**
 * {@link ExpRowSum} in JavaScript ({@link expF64}); at temperature 1 it skips the division, whose
 * result (x / 1) is x.
 *
 * @example
 * ```ts
 * expRowSum([1, 0], 1, 1, null); // 1 + e^-1
 * ```
 */
export function expRowSum(logits: ArrayLike<number>, max: number, temperature: number, p: Float64Array | null): number {
  const n = logits.length;
  let sum = 0;
  if (p) {
    if (temperature === 1) for (let i = 0; i < n; i++) sum += p[i] = expF64(logits[i] - max);
    else for (let i = 0; i < n; i++) sum += p[i] = expF64((logits[i] - max) / temperature);
  } else if (temperature === 1) {
    for (let i = 0; i < n; i++) sum += expF64(logits[i] - max);
  } else {
    for (let i = 0; i < n; i++) sum += expF64((logits[i] - max) / temperature);
  }
  return sum;
}

/**
 * The index of the largest value, the first on ties (0 when none is larger than the first).
 *
 * @example
 * ```ts
 * argMax([1, 3, 3]); // 1
 * ```
 */
export function argMax(l: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < l.length; i++) if (l[i] > l[best]) best = i;
  return best;
}

/** Reused scratch of the filters' sorted probabilities (grown as needed; sampling runs on one thread). */
let sortScratch = new Float64Array(0);

/**
 * Writes the normalised sampling distribution of one row into `p` (length of the row) and returns
 * the max and the sum of exp((logit − max) / temperature) before any filter, and `total`: the
 * {@link weightTotal} of the written `p`. Temperature must be > 0.
 */
function fillSamplingProbs(
  logits: ArrayLike<number>,
  o: DistributionOptions,
  p: Float64Array,
  exps: ExpRowSum = expRowSum,
): { max: number; sum: number; total: number } {
  const temperature = o.temperature ?? 1;
  const n = logits.length;
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (logits[i] > max) max = logits[i];
  const sum = exps(logits, max, temperature, p);
  const topK = o.topK ?? 0;
  const topP = o.topP ?? 1;
  let total = 0;
  if (!((topK > 0 && topK < n) || topP < 1 || o.minP)) {
    // No filter: normalise and total in one pass (the same operations in the same order).
    for (let i = 0; i < n; i++) total += p[i] /= sum;
    return { max, sum, total: normalise(p, total) };
  }
  for (let i = 0; i < n; i++) p[i] /= sum;

  if ((topK > 0 && topK < n) || topP < 1) {
    // The filters need the probabilities in descending order, ties by lower index first. Top-k
    // and top-p only read values along that order, so a native sort of the values serves (read
    // from the end); which indices survive follows from the cut value, ties taken lowest index first.
    if (sortScratch.length < n) sortScratch = new Float64Array(n);
    const sorted = sortScratch.subarray(0, n);
    sorted.set(p);
    sorted.sort();
    const ranked = (r: number) => sorted[n - 1 - r]; // the r-th largest
    let keep = topK > 0 ? Math.min(topK, n) : n;
    if (topP < 1) {
      // Smallest prefix whose mass (renormalised over the top-k survivors) reaches p.
      let kept = 0;
      for (let r = 0; r < keep; r++) kept += ranked(r);
      let acc = 0;
      for (let r = 0; r < keep; r++) {
        acc += ranked(r) / kept;
        if (acc >= topP) {
          keep = r + 1;
          break;
        }
      }
    }
    if (keep < n) {
      const cut = ranked(keep - 1);
      let ties = 1; // survivors equal to the cut: those of rank < keep
      for (let r = keep - 2; r >= 0 && ranked(r) === cut; r--) ties++;
      for (let i = 0; i < n; i++) {
        if (p[i] > cut) continue;
        if (p[i] === cut && ties > 0) ties--;
        else p[i] = 0;
      }
    }
  }
  if (o.minP) {
    let top = 0;
    for (let i = 0; i < n; i++) if (p[i] > top) top = p[i];
    for (let i = 0; i < n; i++) if (p[i] < o.minP * top) p[i] = 0;
  }
  for (let i = 0; i < n; i++) total += p[i];
  return { max, sum, total: normalise(p, total) };
}

/** Divides `p` by `total` in place and returns the {@link weightTotal} of the result, in one pass. */
function normalise(p: Float64Array, total: number): number {
  let t = 0;
  let valid = true;
  for (let i = 0; i < p.length; i++) {
    const w = (p[i] /= total);
    if (!(w >= 0) || w === Infinity) valid = false;
    t += w;
  }
  return valid ? t : Number.NaN;
}

/**
 * The normalised sampling distribution for one row of logits, or `null` for greedy
 * (temperature 0), whose distribution puts probability 1 on the arg-max.
 *
 * @example
 * ```ts
 * const p = samplingProbs(new Float32Array([2, 1, 0]), { topK: 2 })!; // p[2] === 0
 * ```
 */
export function samplingProbs(logits: ArrayLike<number>, o: DistributionOptions): Float64Array | null {
  if ((o.temperature ?? 1) === 0) return null;
  const p = new Float64Array(logits.length);
  fillSamplingProbs(logits, o, p);
  return p;
}

/**
 * Σ weights in index order, or NaN when a weight is negative, NaN or infinite.
 *
 * @example
 * ```ts
 * weightTotal([0.25, 0.5]); // 0.75
 * ```
 */
export function weightTotal(weights: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    if (!(w >= 0) || w === Infinity) return Number.NaN;
    total += w;
  }
  return total;
}

/**
 * Inverts the running sum of valid weights (total = {@link weightTotal}, > 0) at u·total for a
 * uniform u in [0, 1); zero weights are skipped, so they are never drawn.
 *
 * @example
 * ```ts
 * drawIndex([0.2, 0, 0.8], 1, 0.5); // 2
 * ```
 */
export function drawIndex(weights: ArrayLike<number>, total: number, u01: number): number {
  const u = u01 * total;
  let acc = 0;
  let last = -1;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i] === 0) continue;
    last = i;
    acc += weights[i];
    if (u < acc) return i;
  }
  return last; // rounding left u at the very top: the last index with weight.
}

/** 2^26, the weight of a draw's high word. */
const TWO_26 = 67108864;
/** 2^53, the denominator of a draw. */
const TWO_53 = 9007199254740992;

/**
 * The uniform a draw's two words carry: (hi·2^26 + lo) / 2^53, exactly the double `Rng.next()` returned.
 *
 * @example
 * ```ts
 * drawFromWords(1 << 26, 0); // 0.5
 * ```
 */
export function drawFromWords(hi: number, lo: number): number {
  return (hi * TWO_26 + lo) / TWO_53;
}

/**
 * Splits a uniform u = k / 2^53 (what `Rng.next()` returns) into its two integer words
 * hi = floor(u·2^27) < 2^27 and lo = u·2^53 − hi·2^26 < 2^26, both exact in int32.
 *
 * @example
 * ```ts
 * wordsOfDraw(0.5); // [67108864, 0]
 * ```
 */
export function wordsOfDraw(u: number): [number, number] {
  const hi = Math.floor(u * 134217728);
  return [hi, u * TWO_53 - hi * TWO_26];
}

/**
 * The sampling attributes with their defaults filled in, as the kernel receives them.
 *
 * @example
 * ```ts
 * const a: SampleAttrs = { temperature: 0.8, topK: 0, topP: 0.95, minP: 0 };
 * ```
 */
export interface SampleAttrs {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
}

/**
 * Fills the defaults of a {@link DistributionOptions}: temperature 1, topK 0, topP 1, minP 0.
 *
 * @example
 * ```ts
 * sampleAttrs({ topK: 40 }); // { temperature: 1, topK: 40, topP: 1, minP: 0 }
 * ```
 */
export function sampleAttrs(o: DistributionOptions): SampleAttrs {
  return { temperature: o.temperature ?? 1, topK: o.topK ?? 0, topP: o.topP ?? 1, minP: o.minP ?? 0 };
}

/** Reused scratch of one row's probabilities. */
let probScratch = new Float64Array(0);

/**
 * Samples every row of `logits` [B, V] with its draw words (`draws` [B, 2]: hi, lo) and writes
 * `out` [B, 3]: the token id, its log-prob under the model (log softmax of the raw logits) and
 * under the distribution sampled from (0 for greedy, which ignores the draw). A row whose
 * distribution cannot be sampled (NaN or infinite logits, or nothing left after the filters)
 * gets id −1 and NaN log-probs. `native`: a twin of {@link expRowSum} with the same bits (the wasm
 * kernels' `exp_shifted_f64`) and the row scratch it writes into (`probs`, ≥ V doubles), and
 * optionally the greedy rows' arg-max (`rowMax`: the first index of the largest non-NaN value, −1
 * when there is none; `row_max_f32`); default the JavaScript loops and a scratch of this module.
 *
 * @example
 * ```ts
 * const out = new Float32Array(3);
 * sampleRows(new Float32Array([0, 0]), new Int32Array([1 << 26, 0]), 2, sampleAttrs({}), out); // out[0] === 1
 * ```
 */
export function sampleRows(
  logits: Float32Array,
  draws: ArrayLike<number>,
  V: number,
  a: SampleAttrs,
  out: Float32Array,
  native?: { exps: ExpRowSum; probs: Float64Array; rowMax?: (row: Float32Array) => number },
): void {
  const B = out.length / 3;
  const exps = native?.exps ?? expRowSum;
  if (!native && a.temperature !== 0 && probScratch.length < V) probScratch = new Float64Array(V);
  const p = (native?.probs ?? probScratch).subarray(0, V);
  for (let r = 0; r < B; r++) {
    const l = logits.subarray(r * V, (r + 1) * V);
    if (a.temperature === 0) {
      // argMax and logProbOf's max in one pass (they differ only when NaNs are present).
      let id = 0;
      let max = -Infinity;
      if (native?.rowMax) {
        // The first index of the largest non-NaN value (-1: none): argMax's, unless l[0] is NaN,
        // where argMax stays at 0.
        const m = native.rowMax(l);
        if (m >= 0) max = l[m];
        id = l[0] !== l[0] ? 0 : m;
      } else {
        for (let i = 0; i < V; i++) {
          const x = l[i];
          if (x > l[id]) id = i;
          if (x > max) max = x;
        }
      }
      out[3 * r] = id;
      out[3 * r + 1] = l[id] - max - Math.log(exps(l, max, 1, null));
      out[3 * r + 2] = 0;
      continue;
    }
    const { max, sum, total } = fillSamplingProbs(l, a, p, exps);
    if (!(total > 0)) {
      out[3 * r] = -1;
      out[3 * r + 1] = Number.NaN;
      out[3 * r + 2] = Number.NaN;
      continue;
    }
    const id = drawIndex(p, total, drawFromWords(draws[2 * r], draws[2 * r + 1]));
    out[3 * r] = id;
    // At temperature 1 the tempered max and sum are those of log softmax (x / 1 is x): the same doubles.
    out[3 * r + 1] = a.temperature === 1 ? l[id] - max - Math.log(sum) : modelLogProb(l, id, exps);
    out[3 * r + 2] = Math.log(p[id]);
  }
}

/** {@link logProbOf} with the row's exponentials from `exps`. */
function modelLogProb(l: Float32Array, id: number, exps: ExpRowSum): number {
  let max = -Infinity;
  for (let i = 0; i < l.length; i++) if (l[i] > max) max = l[i];
  return l[id] - max - Math.log(exps(l, max, 1, null));
}
