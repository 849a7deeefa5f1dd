// Float64 loops for the conformance suite: the independent reference every backend is held to.
// Layouts are row-major and shapes are passed explicitly.
import { refLogSumExp } from '../reference.js';

/** [batch, m, k] × [batch, k, n] (or [batch, n, k] with transposeB) → [batch, m, n]. */
export function matmul(
  a: ArrayLike<number>, b: ArrayLike<number>, batch: number, m: number, k: number, n: number, transposeB = false,
): Float64Array {
  const out = new Float64Array(batch * m * n);
  for (let z = 0; z < batch; z++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let t = 0; t < k; t++) {
          const bv = transposeB ? b[z * n * k + j * k + t] : b[z * k * n + t * n + j];
          s += a[z * m * k + i * k + t] * bv;
        }
        out[z * m * n + i * n + j] = s;
      }
  return out;
}

/** Softmax (or log-softmax) over rows of length V. */
export function softmaxRows(x: ArrayLike<number>, V: number, log = false): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length; r += V) {
    const z = refLogSumExp(Array.prototype.slice.call(x, r, r + V) as number[]);
    for (let j = 0; j < V; j++) out[r + j] = log ? x[r + j] - z : Math.exp(x[r + j] - z);
  }
  return out;
}

/** RMSNorm over rows of width C: x / sqrt(mean(x²) + eps) · g. */
export function rmsnorm(x: ArrayLike<number>, g: ArrayLike<number>, C: number, eps: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length; r += C) {
    let ss = 0;
    for (let j = 0; j < C; j++) ss += x[r + j] * x[r + j];
    const inv = 1 / Math.sqrt(ss / C + eps);
    for (let j = 0; j < C; j++) out[r + j] = x[r + j] * inv * g[j];
  }
  return out;
}

/** LayerNorm over rows of C: (x − mean)/√(var + ε)·g + b, the variance biased. */
export function layernorm(x: ArrayLike<number>, g: ArrayLike<number>, b: ArrayLike<number>, C: number, eps: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length; r += C) {
    let s = 0;
    for (let j = 0; j < C; j++) s += x[r + j];
    const mu = s / C;
    let ss = 0;
    for (let j = 0; j < C; j++) ss += (x[r + j] - mu) ** 2;
    const inv = 1 / Math.sqrt(ss / C + eps);
    for (let j = 0; j < C; j++) out[r + j] = (x[r + j] - mu) * inv * g[j] + b[j];
  }
  return out;
}

const silu = (v: number): number => v / (1 + Math.exp(-v));

/** SiLU-gated MLP (Llama): (silu(x·W1) ⊙ (x·W3))·W2 with x [N, C], W1/W3 [C, F], W2 [F, C]. */
export function gatedMlp(
  x: ArrayLike<number>, w1: ArrayLike<number>, w3: ArrayLike<number>, w2: ArrayLike<number>, N: number, C: number, F: number,
): Float64Array {
  const h1 = matmul(x, w1, 1, N, C, F);
  const h3 = matmul(x, w3, 1, N, C, F);
  const h = h1.map((v, i) => silu(v) * h3[i]);
  return matmul(h, w2, 1, N, F, C);
}

/**
 * Causal attention with grouped KV heads: q [B, T, H, D], k/v [B, T, Hkv, D] → [B, T, H, D];
 * query head h reads KV head floor(h / (H / Hkv)); scores scaled by 1/√D.
 */
export function causalGqa(
  q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, B: number, T: number, H: number, Hkv: number, D: number,
): Float64Array {
  const out = new Float64Array(B * T * H * D);
  const rep = H / Hkv;
  const qi = (b: number, t: number, h: number, d: number): number => ((b * T + t) * H + h) * D + d;
  const ki = (b: number, t: number, h: number, d: number): number => ((b * T + t) * Hkv + h) * D + d;
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++) {
      const kh = Math.floor(h / rep);
      for (let i = 0; i < T; i++) {
        const s: number[] = [];
        for (let j = 0; j <= i; j++) {
          let dot = 0;
          for (let d = 0; d < D; d++) dot += q[qi(b, i, h, d)] * k[ki(b, j, kh, d)];
          s.push(dot / Math.sqrt(D));
        }
        const p = softmaxRows(s, s.length);
        for (let d = 0; d < D; d++) {
          let acc = 0;
          for (let j = 0; j <= i; j++) acc += p[j] * v[ki(b, j, kh, d)];
          out[qi(b, i, h, d)] = acc;
        }
      }
    }
  return out;
}

/** Rows of an embedding table E [V, C] picked by ids → [ids.length, C]. */
export function embed(E: ArrayLike<number>, ids: ArrayLike<number>, C: number): Float64Array {
  const out = new Float64Array(ids.length * C);
  for (let i = 0; i < ids.length; i++) for (let c = 0; c < C; c++) out[i * C + c] = E[ids[i] * C + c];
  return out;
}

/**
 * UnsortedSegmentSum: [segments, C] sums of the rows of x [ids.length, C] with each id, ids
 * outside [0, segments) skipped; `round` sums in float32 in row order instead of float64.
 */
export function segmentSum(x: ArrayLike<number>, ids: ArrayLike<number>, segments: number, C: number, round = false): Float64Array {
  const out = new Float64Array(segments * C);
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] < 0 || ids[i] >= segments) continue;
    for (let c = 0; c < C; c++) {
      const s = out[ids[i] * C + c] + x[i * C + c];
      out[ids[i] * C + c] = round ? Math.fround(s) : s;
    }
  }
  return out;
}

/** Element offset of batch `idx` of the output in an operand with batch dims `dims`, broadcast. */
export function batchOffset(idx: number, outBatch: number[], dims: number[], mat: number): number {
  const pad = [...new Array<number>(outBatch.length - dims.length).fill(1), ...dims];
  let off = 0;
  let stride = mat;
  for (let i = outBatch.length - 1; i >= 0; i--) {
    const coord = idx % outBatch[i];
    idx = Math.floor(idx / outBatch[i]);
    if (pad[i] !== 1) off += coord * stride;
    stride *= pad[i];
  }
  return off;
}

/** One sampled row as the float64 reference gives it: id, model log-prob, sampling log-prob. */
export interface SampledRef {
  id: number;
  logprob: number;
  samplingLogprob: number;
}

/**
 * Sampling one row in float64, written out plainly: softmax(l / T), top-k and top-p over a sorted
 * copy (ties: lower index first), min-p, renormalise, then the first index whose running sum
 * passes u·Σp (zero weights skipped). Greedy (T = 0) is the first arg-max. Null when the
 * distribution is not a valid one (NaN anywhere).
 */
export function sampleRef(l: ArrayLike<number>, o: { temperature: number; topK: number; topP: number; minP: number }, u: number): SampledRef | null {
  const n = l.length;
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (l[i] > max) max = l[i];
  let z = 0;
  for (let i = 0; i < n; i++) z += Math.exp(l[i] - max);
  const logprobOf = (id: number) => l[id] - max - Math.log(z);
  if (o.temperature === 0) {
    let best = 0;
    for (let i = 1; i < n; i++) if (l[i] > l[best]) best = i;
    return { id: best, logprob: logprobOf(best), samplingLogprob: 0 };
  }
  const p: number[] = [];
  let sum = 0;
  for (let i = 0; i < n; i++) {
    p.push(Math.exp((l[i] - max) / o.temperature));
    sum += p[i];
  }
  for (let i = 0; i < n; i++) p[i] /= sum;
  if ((o.topK > 0 && o.topK < n) || o.topP < 1) {
    const order = p.map((_, i) => i).sort((a, b) => (p[a] === p[b] ? a - b : p[b] - p[a]));
    let keep = o.topK > 0 ? Math.min(o.topK, n) : n;
    if (o.topP < 1) {
      let kept = 0;
      for (let r = 0; r < keep; r++) kept += p[order[r]];
      let acc = 0;
      for (let r = 0; r < keep; r++) {
        acc += p[order[r]] / kept;
        if (acc >= o.topP) {
          keep = r + 1;
          break;
        }
      }
    }
    for (let r = keep; r < n; r++) p[order[r]] = 0;
  }
  if (o.minP > 0) {
    const top = Math.max(...p);
    for (let i = 0; i < n; i++) if (p[i] < o.minP * top) p[i] = 0;
  }
  let total = 0;
  for (let i = 0; i < n; i++) total += p[i];
  for (let i = 0; i < n; i++) p[i] /= total;
  if (p.some((x) => Number.isNaN(x))) return null;
  let t = 0;
  for (let i = 0; i < n; i++) t += p[i];
  const target = u * t;
  let acc = 0;
  let id = -1;
  for (let i = 0; i < n; i++) {
    if (p[i] === 0) continue;
    id = i;
    acc += p[i];
    if (target < acc) break;
  }
  return { id, logprob: logprobOf(id), samplingLogprob: Math.log(p[id]) };
}

/** silu(g)·u elementwise. */
export function swiglu(g: ArrayLike<number>, u: ArrayLike<number>): Float64Array {
  return Float64Array.from(g, (v, i) => silu(v) * u[i]);
}

/**
 * RoPE of x [rows, H, D] by cos, sin [rows, D] (sin signed per pair member): each pair (a, b) —
 * (i, i + D/2) for 'halves', (2i, 2i + 1) for 'interleaved' — maps to
 * (x_a·cos_a + x_b·sin_a, x_b·cos_b + x_a·sin_b).
 */
export function rope(x: ArrayLike<number>, cos: ArrayLike<number>, sin: ArrayLike<number>, H: number, D: number, layout: 'halves' | 'interleaved'): Float64Array {
  const out = new Float64Array(x.length);
  const rows = cos.length / D;
  for (let r = 0; r < rows; r++) {
    for (let h = 0; h < H; h++) {
      const o = (r * H + h) * D;
      for (let i = 0; i < D / 2; i++) {
        const [a, b] = layout === 'halves' ? [i, i + D / 2] : [2 * i, 2 * i + 1];
        out[o + a] = x[o + a] * cos[r * D + a] + x[o + b] * sin[r * D + a];
        out[o + b] = x[o + b] * cos[r * D + b] + x[o + a] * sin[r * D + b];
      }
    }
  }
  return out;
}

/** erf(z) in float64: Taylor series below |z| = 2.5, the continued fraction of erfc above (~1e-15). */
export function erf64(z: number): number {
  const a = Math.abs(z);
  let r: number;
  if (a < 2.5) {
    let term = a;
    let sum = a;
    for (let n = 1; Math.abs(term) > 1e-18 * Math.abs(sum); n++) {
      term *= (-a * a) / n;
      sum += term / (2 * n + 1);
    }
    r = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    let k = a;
    for (let n = 80; n >= 1; n--) k = a + n / 2 / k;
    r = 1 - Math.exp(-a * a) / (Math.sqrt(Math.PI) * k);
  }
  return z < 0 ? -r : r;
}

/** GELU elementwise: 'tanh' ½x(1 + tanh(√(2/π)(x + 0.044715x³))), 'exact' ½x(1 + erf(x/√2)). */
export function gelu(x: ArrayLike<number>, form: 'tanh' | 'exact'): Float64Array {
  return Float64Array.from(x, (v) =>
    0.5 * v * (1 + (form === 'exact' ? erf64(v / Math.SQRT2) : Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))),
  );
}
