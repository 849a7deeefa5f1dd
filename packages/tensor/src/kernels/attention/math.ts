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

/** Offset of the mask row of (b, h, i), or -1 without a mask. */
function maskRow(d: AttentionDims, b: number, h: number, i: number): number {
  if (d.Bm === 0) return -1;
  return (((d.Bm === 1 ? 0 : b) * d.Hm + (d.Hm === 1 ? 0 : h)) * d.T + i) * d.Tk;
}

/** Whether mask row `m` (offset) has a visible key; −1 (no mask) counts as visible. */
function anyVisible(mask: Float32Array | undefined, m: number, Tk: number): boolean {
  if (!mask || m < 0) return true;
  for (let j = 0; j < Tk; j++) if (mask[m + j] > HIDDEN) return true;
  return false;
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
  const s = new Float64Array(Tk);
  const acc = new Float64Array(D);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const kv0 = (b * Hkv + Math.floor(h / rep)) * Tk * D;
      for (let i = 0; i < T; i++) {
        const qi = ((b * T + i) * H + h) * D;
        const m = maskRow(d, b, h, i);
        if (!anyVisible(mask, m, Tk)) {
          meanRow(v, kv0, Tk, D, o, qi);
          lse[(b * H + h) * T + i] = 0;
          continue;
        }
        const skip = m >= 0;
        let max = -Infinity;
        for (let j = 0; j < Tk; j++) {
          const bias = m >= 0 && mask ? mask[m + j] : 0;
          if (skip && bias <= HIDDEN) {
            s[j] = -Infinity;
            continue;
          }
          const kj = kv0 + j * D;
          let dot = 0;
          for (let e = 0; e < D; e++) dot += q[qi + e] * k[kj + e];
          const x = dot * scale + bias;
          s[j] = x;
          if (x > max) max = x;
        }
        acc.fill(0);
        let sum = 0;
        for (let j = 0; j < Tk; j++) {
          if (s[j] === -Infinity) continue;
          const p = Math.exp(s[j] - max);
          sum += p;
          const vj = kv0 + j * D;
          for (let e = 0; e < D; e++) acc[e] += p * v[vj + e];
        }
        for (let e = 0; e < D; e++) o[qi + e] = acc[e] / sum;
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
  dq.fill(0);
  dk.fill(0);
  dv.fill(0);
  const gq = new Float64Array(D);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const kv0 = (b * Hkv + Math.floor(h / rep)) * Tk * D;
      for (let i = 0; i < T; i++) {
        const qi = ((b * T + i) * H + h) * D;
        const m = maskRow(d, b, h, i);
        if (!anyVisible(mask, m, Tk)) {
          // o = mean(v): dv gets dO/Tk; q and k do not move it.
          for (let j = 0; j < Tk; j++) for (let e = 0; e < D; e++) dv[kv0 + j * D + e] += dO[qi + e] / Tk;
          continue;
        }
        const skip = m >= 0;
        const L = lse[(b * H + h) * T + i];
        let delta = 0;
        for (let e = 0; e < D; e++) delta += dO[qi + e] * o[qi + e];
        gq.fill(0);
        for (let j = 0; j < Tk; j++) {
          const bias = m >= 0 && mask ? mask[m + j] : 0;
          if (skip && bias <= HIDDEN) continue;
          const kj = kv0 + j * D;
          let dot = 0;
          let dp = 0;
          for (let e = 0; e < D; e++) {
            dot += q[qi + e] * k[kj + e];
            dp += dO[qi + e] * v[kj + e];
          }
          const p = Math.exp(dot * scale + bias - L);
          const ds = p * (dp - delta) * scale;
          for (let e = 0; e < D; e++) {
            dv[kj + e] += p * dO[qi + e];
            gq[e] += ds * k[kj + e];
            dk[kj + e] += ds * q[qi + e];
          }
        }
        for (let e = 0; e < D; e++) dq[qi + e] = gq[e];
      }
    }
  }
}
