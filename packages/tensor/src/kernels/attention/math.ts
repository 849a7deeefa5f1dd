/**
 * Scaled dot-product attention on host arrays, forward and backward, one query row at a time, so
 * no [B, H, T, Tk] score tensor is ever stored (the backward pass recomputes the probabilities
 * from the saved log-sum-exp, as FlashAttention does). Keys the mask hides (additive value
 * ≤ HIDDEN) are skipped: their probability is exactly 0 in float32 whenever the row has a
 * visible key. A row with none gets the mean of the values (and no gradient into q or k): that is
 * what softmax over float32 scores plus −1e9 gives, since the bias swallows the scores.
 *
 * Layouts: q, o, dq [B, T, H, D] (the projections' own layout, so no transposes are needed);
 * k, v, dk, dv [B, Hkv, Tk, D] (the KV cache's layout); mask [Bm, Hm, T, Tk] with Bm ∈ {1, B},
 * Hm ∈ {1, H}; lse [B, H, T]. Query head h reads key/value head ⌊h / (H / Hkv)⌋.
 */

/** Sizes of one attention call. */
export interface AttentionDims {
  B: number;
  T: number;
  H: number;
  Hkv: number;
  Tk: number;
  D: number;
  /** Mask batch and head sizes (1 = broadcast); 0 when there is no mask. */
  Bm: number;
  Hm: number;
}

/** Additive mask values at or below this hide a key (the decoder uses −1e9, tfjs users −∞). */
export const HIDDEN = -1e8;

/**
 * For every mask row, the span [from, to) of its visible keys and whether every key in the span
 * is visible (then the inner loops need no per-key test). A row with no visible key gets
 * from = to = 0. Without a mask: one row spanning every key.
 */
interface Spans {
  from: Int32Array;
  to: Int32Array;
  dense: Uint8Array;
}

function spans(d: AttentionDims, mask: Float32Array | undefined): Spans {
  const rows = mask ? d.Bm * d.Hm * d.T : 1;
  const out: Spans = { from: new Int32Array(rows), to: new Int32Array(rows), dense: new Uint8Array(rows) };
  for (let r = 0; r < rows; r++) {
    if (!mask) {
      out.to[r] = d.Tk;
      out.dense[r] = 1;
      continue;
    }
    const m = r * d.Tk;
    let from = -1;
    let to = 0;
    let hidden = 0;
    for (let j = 0; j < d.Tk; j++) {
      if (mask[m + j] > HIDDEN) {
        if (from < 0) from = j;
        to = j + 1;
      } else if (from >= 0) hidden++;
    }
    // Hidden keys counted after the first visible one but before the last make the span sparse.
    let inner = 0;
    for (let j = to; j < d.Tk; j++) if (mask[m + j] <= HIDDEN) inner++;
    out.from[r] = Math.max(from, 0);
    out.to[r] = to;
    out.dense[r] = hidden - inner === 0 ? 1 : 0;
  }
  return out;
}

/** Index of the mask row of (b, h, i) in {@link spans}; its offset in the mask is that × Tk. */
function rowOf(d: AttentionDims, b: number, h: number, i: number): number {
  if (d.Bm === 0) return 0;
  return ((d.Bm === 1 ? 0 : b) * d.Hm + (d.Hm === 1 ? 0 : h)) * d.T + i;
}

/** o[qi..] = mean over the Tk value rows starting at kv0. */
function meanRow(v: Float32Array, kv0: number, Tk: number, D: number, o: Float32Array, qi: number): void {
  for (let e = 0; e < D; e++) {
    let acc = 0;
    for (let j = 0; j < Tk; j++) acc += v[kv0 + j * D + e];
    o[qi + e] = acc / Tk;
  }
}

/**
 * o = softmax(scale·q·kᵀ + mask)·v and lse = log Σ exp(scale·q·kᵀ + mask), per query row.
 *
 * @example
 * ```ts
 * attentionForward(dims, q, k, v, undefined, 1 / Math.sqrt(dims.D), o, lse);
 * ```
 */
export function attentionForward(
  d: AttentionDims,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  mask: Float32Array | undefined,
  scale: number,
  o: Float32Array,
  lse: Float32Array,
): void {
  const { B, T, H, Hkv, Tk, D } = d;
  const rep = H / Hkv;
  const sp = spans(d, mask);
  const s = new Float64Array(Tk);
  const acc = new Float64Array(D);
  const qs = new Float64Array(D);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const kv0 = (b * Hkv + ((h / rep) | 0)) * Tk * D;
      for (let i = 0; i < T; i++) {
        const qi = ((b * T + i) * H + h) * D;
        const r = rowOf(d, b, h, i);
        const from = sp.from[r];
        const to = sp.to[r];
        if (to === 0) {
          meanRow(v, kv0, Tk, D, o, qi);
          lse[(b * H + h) * T + i] = 0;
          continue;
        }
        const dense = sp.dense[r] === 1;
        const m = r * Tk;
        for (let e = 0; e < D; e++) qs[e] = q[qi + e] * scale;
        let max = -Infinity;
        for (let j = from; j < to; j++) {
          const bias = mask ? mask[m + j] : 0;
          if (!dense && bias <= HIDDEN) {
            s[j] = -Infinity;
            continue;
          }
          let kj = kv0 + j * D;
          let dot = bias;
          for (let e = 0; e < D; e++) dot += qs[e] * k[kj++];
          s[j] = dot;
          if (dot > max) max = dot;
        }
        acc.fill(0);
        let sum = 0;
        for (let j = from; j < to; j++) {
          const x = s[j];
          if (x === -Infinity) continue;
          const p = Math.exp(x - max);
          sum += p;
          let vj = kv0 + j * D;
          for (let e = 0; e < D; e++) acc[e] += p * v[vj++];
        }
        const inv = 1 / sum;
        for (let e = 0; e < D; e++) o[qi + e] = acc[e] * inv;
        lse[(b * H + h) * T + i] = max + Math.log(sum);
      }
    }
  }
}

/**
 * Gradients of {@link attentionForward} for upstream dO: with P recomputed from lse and
 * δᵢ = dOᵢ·Oᵢ, dS = P ⊙ (dO·vᵀ − δ); dq = scale·dS·k, dk = scale·dSᵀ·q, dv = Pᵀ·dO.
 * dq, dk and dv are overwritten.
 *
 * @example
 * ```ts
 * attentionBackward(dims, q, k, v, mask, scale, o, lse, dO, dq, dk, dv);
 * ```
 */
export function attentionBackward(
  d: AttentionDims,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  mask: Float32Array | undefined,
  scale: number,
  o: Float32Array,
  lse: Float32Array,
  dO: Float32Array,
  dq: Float32Array,
  dk: Float32Array,
  dv: Float32Array,
): void {
  const { B, T, H, Hkv, Tk, D } = d;
  const rep = H / Hkv;
  const sp = spans(d, mask);
  dq.fill(0);
  dk.fill(0);
  dv.fill(0);
  const gq = new Float64Array(D);
  const qs = new Float64Array(D);
  const g = new Float64Array(D);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const kv0 = (b * Hkv + ((h / rep) | 0)) * Tk * D;
      for (let i = 0; i < T; i++) {
        const qi = ((b * T + i) * H + h) * D;
        const r = rowOf(d, b, h, i);
        const from = sp.from[r];
        const to = sp.to[r];
        if (to === 0) {
          // o = mean(v): dv gets dO/Tk; q and k do not move it.
          for (let j = 0; j < Tk; j++) for (let e = 0; e < D; e++) dv[kv0 + j * D + e] += dO[qi + e] / Tk;
          continue;
        }
        const dense = sp.dense[r] === 1;
        const m = r * Tk;
        const L = lse[(b * H + h) * T + i];
        let delta = 0;
        for (let e = 0; e < D; e++) {
          delta += dO[qi + e] * o[qi + e];
          qs[e] = q[qi + e] * scale;
          g[e] = dO[qi + e];
        }
        gq.fill(0);
        for (let j = from; j < to; j++) {
          const bias = mask ? mask[m + j] : 0;
          if (!dense && bias <= HIDDEN) continue;
          const kj = kv0 + j * D;
          let dot = bias;
          let dp = 0;
          for (let e = 0; e < D; e++) {
            dot += qs[e] * k[kj + e];
            dp += g[e] * v[kj + e];
          }
          const p = Math.exp(dot - L);
          const ds = p * (dp - delta);
          for (let e = 0; e < D; e++) {
            dv[kj + e] += p * g[e];
            gq[e] += ds * k[kj + e];
            dk[kj + e] += ds * qs[e];
          }
        }
        for (let e = 0; e < D; e++) dq[qi + e] = gq[e] * scale;
      }
    }
  }
}
