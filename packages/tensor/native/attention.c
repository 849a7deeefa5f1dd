/*
 * Scaled dot-product attention for agon's wasm kernels, 128-bit SIMD, forward and backward, one
 * query row at a time: no [B, H, T, Tk] score tensor exists (the backward pass recomputes each
 * row's probabilities from the saved log-sum-exp, as FlashAttention does), and keys outside a
 * row's visible span are never touched (half the work of a causal mask).
 *
 * Layouts: q, o, dq [B, T, H, D]; k, v, dk, dv [B, Hkv, Tk, D] (the KV cache's); mask
 * [Bm, Hm, T, Tk] additive, Bm ∈ {1, B}, Hm ∈ {1, H}; lse [B, H, T]. Query head h reads key/value
 * head ⌊h / (H / Hkv)⌋. A mask value ≤ HIDDEN hides its key (probability exactly 0); a row with no
 * visible key gets the mean of the values and lse 0 (what softmax of float32 scores plus −1e9
 * gives, since the bias swallows the scores), and no gradient into q or k.
 *
 * Scores are computed four keys at a time against K transposed into scratch ([D, Tk4], Tk4 = Tk
 * rounded up to 4), so the inner loop is splat(q_e)·Kᵀ[e, j..j+3]; rows of V, dK and dV are used
 * in place. Row sums are float32 lanes combined in a fixed order, so a row's result depends only
 * on its inputs (not on how (b, h) pairs are split across calls).
 */
#include "common.h"
#include "vexp.h"
#include "log.h"
#include "rowsum.h"

#define HIDDEN (-1e8f)

static inline int round4(int n) { return (n + 3) & ~3; }

/* Floats of scratch one attention_f32 / attention_grad_f32 call needs. */
/*
 * Floats of scratch one attention_f32 / attention_grad_f32 call needs: Kᵀ and Vᵀ [D, Tk4], two
 * rows of Tk4 (probabilities, dS) and two of D (scaled q, an accumulator), each 16-byte aligned.
 */
EXPORT("attention_scratch_floats") int attention_scratch_floats(int Tk, int D) { return 2 * D * round4(Tk) + 2 * round4(Tk) + 2 * round4(D); }

typedef struct {
  float *kt, *vt, *p, *ds, *qs, *acc;
} scratch_rows;

static scratch_rows carve(float *scratch, int Tk, int D) {
  const long Tk4 = round4(Tk);
  scratch_rows s;
  s.kt = scratch;
  s.vt = s.kt + D * Tk4;
  s.p = s.vt + D * Tk4;
  s.ds = s.p + Tk4;
  s.qs = s.ds + Tk4;
  s.acc = s.qs + round4(D);
  return s;
}

/*
 * For each of `rows` mask rows of Tk values: the span [from, to) of its visible keys and whether
 * every key inside it is visible (3 ints a row). A row with no visible key gets from = to = 0.
 */
EXPORT("attention_spans") void attention_spans(int rows, int Tk, const float *mask, int *spans) {
  for (int r = 0; r < rows; r++) {
    const float *m = mask + (long)r * Tk;
    int from = -1, to = 0, hidden = 0;
    for (int j = 0; j < Tk; j++) {
      if (m[j] > HIDDEN) {
        if (from < 0) from = j;
        to = j + 1;
      } else if (from >= 0) hidden++;
    }
    int after = 0; /* hidden keys past the last visible one do not break the span */
    for (int j = to; j < Tk; j++) after += m[j] <= HIDDEN;
    spans[3 * r] = from < 0 ? 0 : from;
    spans[3 * r + 1] = to;
    spans[3 * r + 2] = hidden - after == 0;
  }
}

/* Kᵀ of one head: kt[e·Tk4 + j] = k[j·D + e], zero past Tk. */
static void transpose_head(const float *k, int Tk, int D, float *kt) {
  int Tk4 = round4(Tk);
  for (int e = 0; e < D; e++) {
    float *row = kt + (long)e * Tk4;
    for (int j = 0; j < Tk; j++) row[j] = k[(long)j * D + e];
    for (int j = Tk; j < Tk4; j++) row[j] = 0.0f;
  }
}

static inline float hmax(v128_t v) {
  v = wasm_f32x4_pmax(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  v = wasm_f32x4_pmax(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(v, 0);
}

/* Up to four floats of a row that ends at `end` (exclusive index), starting at index j. */
static inline v128_t load_upto(const float *row, int j, int end) {
  return j + 4 <= end ? wasm_v128_load(row + j) : agon_load_partial(row + j, end - j);
}

/* The mask row (or none) and visible span of query row i of head h in batch b. */
typedef struct {
  const float *bias;
  int from, to, dense;
} row_span;

static inline row_span span_of(const float *mask, const int *spans, int Bm, int Hm, int T, int Tk, int b, int h, int i) {
  row_span s = { 0, 0, Tk, 1 };
  if (!mask) return s;
  int r = ((Bm == 1 ? 0 : b) * Hm + (Hm == 1 ? 0 : h)) * T + i;
  s.bias = mask + (long)r * Tk;
  s.from = spans[3 * r];
  s.to = spans[3 * r + 1];
  s.dense = spans[3 * r + 2];
  return s;
}

/*
 * sc[j] = qs·k_j + bias_j over the span's 4-aligned cover, −∞ where a key is outside the span or
 * hidden; returns the row max. qs is q already scaled; kt the head's Kᵀ.
 */
static float scores(const float *qs, const float *kt, int Tk, int D, row_span sp, float *sc) {
  const int Tk4 = round4(Tk);
  const v128_t ninf = wasm_f32x4_splat(-__builtin_inff());
  const v128_t lo = wasm_i32x4_splat(sp.from), hi = wasm_i32x4_splat(sp.to), hid = wasm_f32x4_splat(HIDDEN);
  v128_t vmax = ninf;
  for (int j = sp.from & ~3; j < sp.to; j += 4) {
    v128_t acc = wasm_f32x4_splat(0);
    const float *col = kt + j;
    for (int e = 0; e < D; e++) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_splat(qs[e]), wasm_v128_load(col + (long)e * Tk4)));
    const int inside = j >= sp.from && j + 4 <= sp.to;
    if (sp.bias) {
      v128_t bias = load_upto(sp.bias, j, Tk);
      acc = wasm_f32x4_add(acc, bias);
      if (!sp.dense) acc = wasm_v128_bitselect(acc, ninf, wasm_f32x4_gt(bias, hid));
    }
    if (!inside) {
      v128_t idx = wasm_i32x4_add(wasm_i32x4_splat(j), wasm_i32x4_make(0, 1, 2, 3));
      acc = wasm_v128_bitselect(acc, ninf, wasm_v128_and(wasm_i32x4_ge(idx, lo), wasm_i32x4_lt(idx, hi)));
    }
    wasm_v128_store(sc + j, acc);
    vmax = wasm_f32x4_pmax(vmax, acc);
  }
  return hmax(vmax);
}

/* p[j] = e^(sc[j] − shift) over the span's cover (0 where sc is −∞); returns Σ p. */
static float exps(float *sc, row_span sp, float shift) {
  const v128_t ninf = wasm_f32x4_splat(-__builtin_inff()), vs = wasm_f32x4_splat(shift);
  v128_t sum = wasm_f32x4_splat(0);
  for (int j = sp.from & ~3; j < sp.to; j += 4) {
    v128_t x = wasm_v128_load(sc + j);
    v128_t p = wasm_v128_andnot(agon_expf4(wasm_f32x4_sub(x, vs)), wasm_f32x4_eq(x, ninf));
    wasm_v128_store(sc + j, p);
    sum = wasm_f32x4_add(sum, p);
  }
  return agon_hsum(sum);
}

/*
 * out[0..D) = Σ_{j ∈ [from, to)} w[j]·x_j (rows of D floats) — the weighted sum of value or key
 * rows. Four vectors of accumulators at a time when D is a multiple of 4.
 */
static inline __attribute__((always_inline)) void weighted_chunk(const int nv, const float *w, const float *x, int from, int to, int D, float *out) {
  v128_t a[4];
  for (int c = 0; c < nv; c++) a[c] = wasm_f32x4_splat(0);
  const float *xr = x + (long)from * D;
  for (int j = from; j < to; j++, xr += D) {
    const v128_t p = wasm_f32x4_splat(w[j]);
    for (int c = 0; c < nv; c++) a[c] = wasm_f32x4_add(a[c], wasm_f32x4_mul(p, wasm_v128_load(xr + 4 * c)));
  }
  for (int c = 0; c < nv; c++) wasm_v128_store(out + 4 * c, a[c]);
}

static void weighted_rows(const float *w, const float *x, int from, int to, int D, float *out) {
  if (D % 4 == 0) {
    for (int e0 = 0; e0 < D; e0 += 16) {
      switch ((D - e0) >= 16 ? 4 : (D - e0) / 4) {
        case 1: weighted_chunk(1, w, x + e0, from, to, D, out + e0); break;
        case 2: weighted_chunk(2, w, x + e0, from, to, D, out + e0); break;
        case 3: weighted_chunk(3, w, x + e0, from, to, D, out + e0); break;
        default: weighted_chunk(4, w, x + e0, from, to, D, out + e0); break;
      }
    }
    return;
  }
  for (int e = 0; e < D; e++) out[e] = 0.0f;
  for (int j = from; j < to; j++)
    for (int e = 0; e < D; e++) out[e] += w[j] * x[(long)j * D + e];
}

/* y[0..D) += a·x[0..D). */
static inline void axpy(float a, const float *x, float *y, int D) {
  v128_t va = wasm_f32x4_splat(a);
  int e = 0;
  for (; e + 4 <= D; e += 4) wasm_v128_store(y + e, wasm_f32x4_add(wasm_v128_load(y + e), wasm_f32x4_mul(va, wasm_v128_load(x + e))));
  for (; e < D; e++) y[e] += a * x[e];
}

/*
 * One query row's pass over its keys for a head of nv·4 ≤ 16 floats, everything in registers:
 * acc = Σ_j ds_j·k_j (dq before scaling), dk_j += ds_j·qs, dv_j += p_j·dO. Always inlined with a
 * constant nv, so each head size gets its own straight-line loop.
 */
static inline __attribute__((always_inline)) void key_updates(const int nv, const float *k, const float *qs, const float *go,
                                                              const float *p, const float *ds, int from, int to, float *dk,
                                                              float *dv, float *acc) {
  v128_t a[4], qv[4], gv[4];
  for (int c = 0; c < nv; c++) {
    a[c] = wasm_f32x4_splat(0);
    qv[c] = wasm_v128_load(qs + 4 * c);
    gv[c] = wasm_v128_load(go + 4 * c);
  }
  const int D = 4 * nv;
  for (int j = from; j < to; j++) {
    const v128_t dsj = wasm_f32x4_splat(ds[j]), pj = wasm_f32x4_splat(p[j]);
    const float *kr = k + (long)j * D;
    float *dkr = dk + (long)j * D, *dvr = dv + (long)j * D;
    for (int c = 0; c < nv; c++) {
      a[c] = wasm_f32x4_add(a[c], wasm_f32x4_mul(dsj, wasm_v128_load(kr + 4 * c)));
      wasm_v128_store(dkr + 4 * c, wasm_f32x4_add(wasm_v128_load(dkr + 4 * c), wasm_f32x4_mul(dsj, qv[c])));
      wasm_v128_store(dvr + 4 * c, wasm_f32x4_add(wasm_v128_load(dvr + 4 * c), wasm_f32x4_mul(pj, gv[c])));
    }
  }
  for (int c = 0; c < nv; c++) wasm_v128_store(acc + 4 * c, a[c]);
}

/*
 * o and lse for the (b, h) pairs bh0 ≤ b·H + h < bh1. `spans` from attention_spans over the mask
 * (ignored without one). `scratch`: attention_scratch_floats(Tk, D) floats, 16-byte aligned.
 */
EXPORT("attention_f32")
void attention_f32(int B, int T, int H, int Hkv, int Tk, int D, const float *q, const float *k, const float *v,
                   const float *mask, int Bm, int Hm, const int *spans, float scale, float *o, float *lse,
                   float *scratch, int bh0, int bh1) {
  (void)B;
  const int rep = H / Hkv;
  const scratch_rows m = carve(scratch, Tk, D);
  float *kt = m.kt, *sc = m.p, *qs = m.qs, *acc = m.acc;
  long have = -1; /* the (b, kv head) whose Kᵀ is in kt */
  for (int bh = bh0; bh < bh1; bh++) {
    const int b = bh / H, h = bh % H;
    const long kv = (long)b * Hkv + h / rep;
    const float *kb = k + kv * Tk * D, *vb = v + kv * Tk * D;
    if (kv != have) {
      transpose_head(kb, Tk, D, kt);
      have = kv;
    }
    for (int i = 0; i < T; i++) {
      const long qi = (((long)b * T + i) * H + h) * D;
      float *orow = o + qi;
      row_span sp = span_of(mask, spans, Bm, Hm, T, Tk, b, h, i);
      if (sp.to == 0) {
        for (int j = 0; j < Tk; j++) sc[j] = 1.0f / Tk;
        weighted_rows(sc, vb, 0, Tk, D, orow);
        lse[((long)b * H + h) * T + i] = 0.0f;
        continue;
      }
      for (int e = 0; e < D; e++) qs[e] = q[qi + e] * scale;
      float max = scores(qs, kt, Tk, D, sp, sc);
      float sum = exps(sc, sp, max);
      weighted_rows(sc, vb, sp.from, sp.to, D, acc);
      float inv = 1.0f / sum;
      for (int e = 0; e < D; e++) orow[e] = acc[e] * inv;
      lse[((long)b * H + h) * T + i] = (float)(max + agon_log(sum));
    }
  }
}

/*
 * dq for every query row of the (b, kv head) pairs bg0 ≤ b·Hkv + g < bg1 (all H/Hkv query heads
 * of each), and dk, dv of those pairs (overwritten). With P recomputed from lse and δ = dO·O:
 * dS = P ⊙ (dO·vᵀ − δ), dq = scale·dS·k, dk = scale·dSᵀ·q, dv = Pᵀ·dO.
 */
EXPORT("attention_grad_f32")
void attention_grad_f32(int B, int T, int H, int Hkv, int Tk, int D, const float *q, const float *k, const float *v,
                        const float *mask, int Bm, int Hm, const int *spans, float scale, const float *o,
                        const float *lse, const float *dO, float *dq, float *dk, float *dv, float *scratch, int bg0,
                        int bg1) {
  (void)B;
  const int rep = H / Hkv, Tk4 = round4(Tk);
  const scratch_rows m = carve(scratch, Tk, D);
  float *kt = m.kt, *vt = m.vt, *p = m.p, *ds = m.ds, *qs = m.qs, *acc = m.acc;
  for (int bg = bg0; bg < bg1; bg++) {
    const int b = bg / Hkv, g = bg % Hkv;
    const float *kb = k + (long)bg * Tk * D, *vb = v + (long)bg * Tk * D;
    float *dkb = dk + (long)bg * Tk * D, *dvb = dv + (long)bg * Tk * D;
    for (long n = 0; n < (long)Tk * D; n++) dkb[n] = dvb[n] = 0.0f;
    transpose_head(kb, Tk, D, kt);
    transpose_head(vb, Tk, D, vt);
    for (int h = g * rep; h < (g + 1) * rep; h++) {
      for (int i = 0; i < T; i++) {
        const long qi = (((long)b * T + i) * H + h) * D;
        const float *go = dO + qi, *orow = o + qi;
        float *dqrow = dq + qi;
        row_span sp = span_of(mask, spans, Bm, Hm, T, Tk, b, h, i);
        if (sp.to == 0) {
          for (int e = 0; e < D; e++) dqrow[e] = 0.0f;
          for (int j = 0; j < Tk; j++) axpy(1.0f / Tk, go, dvb + (long)j * D, D);
          continue;
        }
        float delta = 0.0f;
        for (int e = 0; e < D; e++) {
          delta += go[e] * orow[e];
          qs[e] = q[qi + e] * scale;
        }
        scores(qs, kt, Tk, D, sp, p);
        exps(p, sp, lse[((long)b * H + h) * T + i]);
        /* ds = p·(dO·v_j − δ), four keys at a time against Vᵀ. */
        const v128_t vd = wasm_f32x4_splat(delta);
        for (int j = sp.from & ~3; j < sp.to; j += 4) {
          v128_t dp = wasm_f32x4_splat(0);
          for (int e = 0; e < D; e++) dp = wasm_f32x4_add(dp, wasm_f32x4_mul(wasm_f32x4_splat(go[e]), wasm_v128_load(vt + (long)e * Tk4 + j)));
          wasm_v128_store(ds + j, wasm_f32x4_mul(wasm_v128_load(p + j), wasm_f32x4_sub(dp, vd)));
        }
        if (D % 4 == 0 && D <= 16) {
          switch (D / 4) {
            case 1: key_updates(1, kb, qs, go, p, ds, sp.from, sp.to, dkb, dvb, acc); break;
            case 2: key_updates(2, kb, qs, go, p, ds, sp.from, sp.to, dkb, dvb, acc); break;
            case 3: key_updates(3, kb, qs, go, p, ds, sp.from, sp.to, dkb, dvb, acc); break;
            default: key_updates(4, kb, qs, go, p, ds, sp.from, sp.to, dkb, dvb, acc); break;
          }
        } else {
          weighted_rows(ds, kb, sp.from, sp.to, D, acc);
          for (int j = sp.from; j < sp.to; j++) {
            axpy(ds[j], qs, dkb + (long)j * D, D);
            axpy(p[j], go, dvb + (long)j * D, D);
          }
        }
        for (int e = 0; e < D; e++) dqrow[e] = acc[e] * scale;
      }
    }
  }
}
