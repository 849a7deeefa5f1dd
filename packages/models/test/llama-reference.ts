// A plain float64 JavaScript forward pass of the Llama-family decoder, written from the maths with
// explicit loops (no tfjs), so the tfjs decoder is checked against an independent reference.
import type { DecoderConfig } from '@agon/models';

export type Weights = Map<string, { shape: number[]; data: Float64Array | Float32Array }>;

function w(ws: Weights, key: string) {
  const t = ws.get(key);
  if (!t) throw new Error(`reference: missing ${key}`);
  return t.data;
}

/** y[o] = Σ_i W[o, i] x[i] (+ b[o]) */
function linear(x: ArrayLike<number>, W: ArrayLike<number>, out: number, b?: ArrayLike<number>): Float64Array {
  const n = x.length;
  const y = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    let s = b ? b[o] : 0;
    for (let i = 0; i < n; i++) s += W[o * n + i] * x[i];
    y[o] = s;
  }
  return y;
}

function rmsNorm(x: ArrayLike<number>, g: ArrayLike<number>, eps: number): Float64Array {
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += x[i] * x[i];
  const r = 1 / Math.sqrt(ss / x.length + eps);
  return Float64Array.from(x, (v, i) => v * r * g[i]);
}

/** Inverse frequencies, with llama3 scaling written out case by case. */
function invFreq(cfg: DecoderConfig): number[] {
  const out: number[] = [];
  for (let i = 0; i < cfg.headDim / 2; i++) {
    let f = Math.pow(cfg.ropeTheta, (-2 * i) / cfg.headDim);
    const rs = cfg.ropeScaling;
    if (rs?.type === 'linear') f /= rs.factor;
    if (rs?.type === 'llama3') {
      const wl = (2 * Math.PI) / f;
      const lo = rs.originalMaxPositions / rs.lowFreqFactor;
      const hi = rs.originalMaxPositions / rs.highFreqFactor;
      if (wl > lo) f = f / rs.factor;
      else if (wl >= hi) {
        const s = (rs.originalMaxPositions / wl - rs.lowFreqFactor) / (rs.highFreqFactor - rs.lowFreqFactor);
        f = (1 - s) * (f / rs.factor) + s * f;
      }
    }
    out.push(f);
  }
  return out;
}

/** Rotates one head vector in place at position `pos`. */
function rope(v: Float64Array, off: number, pos: number, cfg: DecoderConfig, freqs: number[]): void {
  const D = cfg.headDim;
  for (let i = 0; i < D / 2; i++) {
    const [a, b] = cfg.ropeLayout === 'interleaved' ? [off + 2 * i, off + 2 * i + 1] : [off + i, off + i + D / 2];
    const c = Math.cos(pos * freqs[i]);
    const s = Math.sin(pos * freqs[i]);
    const x0 = v[a];
    const x1 = v[b];
    v[a] = x0 * c - x1 * s;
    v[b] = x0 * s + x1 * c;
  }
}

/**
 * Logits [T][V] of one sequence. `positions[t]` is the RoPE position of token t, `visible[t]` the
 * tokens it may attend to (default: causal, within the sliding window).
 */
export function referenceLogits(cfg: DecoderConfig, ws: Weights, ids: number[], positions = ids.map((_, t) => t)): number[][] {
  const { hiddenSize: C, numHeads: H, numKvHeads: Hkv, headDim: D, intermediateSize: I, vocabSize: V } = cfg;
  const T = ids.length;
  const freqs = invFreq(cfg);
  const emb = w(ws, 'model.embed_tokens.weight');
  let xs = ids.map((id) => Float64Array.from(emb.subarray(id * C, (id + 1) * C)));
  for (let l = 0; l < cfg.numLayers; l++) {
    const p = `model.layers.${l}.`;
    const b = (name: string) => (cfg.qkvBias ? w(ws, `${p}self_attn.${name}_proj.bias`) : undefined);
    const qs: Float64Array[] = [];
    const ks: Float64Array[] = [];
    const vs: Float64Array[] = [];
    for (let t = 0; t < T; t++) {
      const h = rmsNorm(xs[t], w(ws, `${p}input_layernorm.weight`), cfg.rmsNormEps);
      const q = linear(h, w(ws, `${p}self_attn.q_proj.weight`), H * D, b('q'));
      const k = linear(h, w(ws, `${p}self_attn.k_proj.weight`), Hkv * D, b('k'));
      for (let hh = 0; hh < H; hh++) {
        if (cfg.qkNorm) q.set(rmsNorm(q.subarray(hh * D, (hh + 1) * D), w(ws, `${p}self_attn.q_norm.weight`), cfg.rmsNormEps), hh * D);
        rope(q, hh * D, positions[t], cfg, freqs);
      }
      for (let hh = 0; hh < Hkv; hh++) {
        if (cfg.qkNorm) k.set(rmsNorm(k.subarray(hh * D, (hh + 1) * D), w(ws, `${p}self_attn.k_norm.weight`), cfg.rmsNormEps), hh * D);
        rope(k, hh * D, positions[t], cfg, freqs);
      }
      qs.push(q);
      ks.push(k);
      vs.push(linear(h, w(ws, `${p}self_attn.v_proj.weight`), Hkv * D, b('v')));
    }
    xs = xs.map((x, t) => {
      const att = new Float64Array(H * D);
      for (let hh = 0; hh < H; hh++) {
        const kv = Math.floor(hh / (H / Hkv));
        const seen: number[] = [];
        for (let j = 0; j <= t; j++) if (cfg.slidingWindow === undefined || t - j < cfg.slidingWindow) seen.push(j);
        const scores = seen.map((j) => {
          let s = 0;
          for (let d = 0; d < D; d++) s += qs[t][hh * D + d] * ks[j][kv * D + d];
          return s / Math.sqrt(D);
        });
        const m = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - m));
        const z = e.reduce((a, c) => a + c, 0);
        seen.forEach((j, n) => {
          for (let d = 0; d < D; d++) att[hh * D + d] += (e[n] / z) * vs[j][kv * D + d];
        });
      }
      const o = linear(att, w(ws, `${p}self_attn.o_proj.weight`), C, cfg.oBias ? w(ws, `${p}self_attn.o_proj.bias`) : undefined);
      const x1 = Float64Array.from(x, (v, i) => v + o[i]);
      const h = rmsNorm(x1, w(ws, `${p}post_attention_layernorm.weight`), cfg.rmsNormEps);
      const g = linear(h, w(ws, `${p}mlp.gate_proj.weight`), I);
      const u = linear(h, w(ws, `${p}mlp.up_proj.weight`), I);
      const a = Float64Array.from(g, (gv, i) => (gv / (1 + Math.exp(-gv))) * u[i]);
      const down = linear(a, w(ws, `${p}mlp.down_proj.weight`), C);
      return Float64Array.from(x1, (v, i) => v + down[i]);
    });
  }
  const head = w(ws, cfg.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight');
  return xs.map((x) => Array.from(linear(rmsNorm(x, w(ws, 'model.norm.weight'), cfg.rmsNormEps), head, V)));
}

/** Deterministic pseudo-random numbers in [-1, 1) (mulberry32), so fixtures need no files. */
export function seededUniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}
