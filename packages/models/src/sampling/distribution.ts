/**
 * The two distributions a sampled token is scored under, computed on the host in float64:
 * the model's own (temperature 1, nothing filtered) — what the policy-gradient loss uses — and
 * the one actually sampled from (temperature, top-k, top-p, min-p), for importance ratios.
 */

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

/** Throws a clear error when an option is out of range; called once per generate(). */
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
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  return logits[id] - max - Math.log(sum);
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
  const temperature = o.temperature ?? 1;
  if (temperature === 0) return null;
  const n = logits.length;
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (logits[i] > max) max = logits[i];
  const p = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += p[i] = Math.exp((logits[i] - max) / temperature);
  for (let i = 0; i < n; i++) p[i] /= sum;

  const topK = o.topK ?? 0;
  const topP = o.topP ?? 1;
  if ((topK > 0 && topK < n) || topP < 1) {
    // Indices by descending probability; ties keep the lower index first (stable sort).
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[b] - p[a] || a - b);
    let keep = topK > 0 ? Math.min(topK, n) : n;
    if (topP < 1) {
      // Smallest prefix whose mass (renormalised over the top-k survivors) reaches p.
      let kept = 0;
      for (let r = 0; r < keep; r++) kept += p[order[r]];
      let acc = 0;
      for (let r = 0; r < keep; r++) {
        acc += p[order[r]] / kept;
        if (acc >= topP) {
          keep = r + 1;
          break;
        }
      }
    }
    for (let r = keep; r < n; r++) p[order[r]] = 0;
  }
  if (o.minP) {
    let top = 0;
    for (let i = 0; i < n; i++) if (p[i] > top) top = p[i];
    for (let i = 0; i < n; i++) if (p[i] < o.minP * top) p[i] = 0;
  }
  let total = 0;
  for (let i = 0; i < n; i++) total += p[i];
  for (let i = 0; i < n; i++) p[i] /= total;
  return p;
}
