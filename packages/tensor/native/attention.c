/*
 * Scaled dot-product attention for agon's wasm kernels, 128-bit SIMD, forward and backward, one
 * query row at a time: no [B, H, T, Tk] score tensor exists (the backward pass recomputes each
 * row's probabilities from the saved log-sum-exp, as FlashAttention does), and keys outside a
 * row's visible span never reach a result (half the work of a causal mask).
 *
 * Layouts: q, o, dq [B, T, H, D]; k, v, dk, dv [B, Hkv, Tk, D] (the KV cache's); mask
 * [Bm, Hm, T, Tk] additive, Bm ∈ {1, B}, Hm ∈ {1, H}; lse [B, H, T]. Query head h reads key/value
 * head ⌊h / (H / Hkv)⌋. A mask value ≤ HIDDEN hides its key (probability exactly 0); a row with no
 * visible key gets the mean of the values and lse 0 (what softmax of float32 scores plus −1e9
 * gives, since the bias swallows the scores), and no gradient into q or k.
 *
 * K and V of a head are packed into scratch in blocks of four keys, each block D vectors
 * (kp[(j/4)·4D + 4e + j%4] = k[j·D + e]), so a block's scores are Σ_e splat(q_e)·block[e] with
 * every load at a fixed offset, and P·V and dq are lane-wise products into D vector accumulators
 * (one horizontal sum per row at the end, no chain of dependent adds per key); dK and dV
 * accumulate in the same layout in scratch and are unpacked once per (b, kv head). Scores are
 * kept in log2 units (q pre-scaled by scale·log2 e) for agon_exp2f4_upto0. A row runs in passes
 * over its span: scores, exponentials, P·V forward; scores, exponentials, dS with dV, dq with dK
 * backward. Head widths of 4 and 8 floats keep q and the accumulators in registers; wider
 * multiples of 4 run each pass in chunks of 8 (then 4) vectors; others take a general loop. Every
 * sum runs in a fixed order, so a row's result depends only on its inputs (not on how (b, h)
 * pairs are split across calls).
 */
#include "common.h"
#include "vexp.h"
#include "log.h"
#include "rowsum.h"

#define HIDDEN (-1e8f)
#define LOG2E 1.44269504f
#define LN2 0.6931471805599453
#define INLINE static inline __attribute__((always_inline))
#define NOINLINE __attribute__((noinline))

static inline int round4(int n) { return (n + 3) & ~3; }

/*
 * Floats from one packed head in scratch to the next: Tk4·D (Tk4 = Tk rounded up to 4) rounded up
 * to 4 KiB, then 1 KiB more, so that blocks at the same index in two heads never share the low 12
 * bits of their addresses (a store to one would stall loads from the other).
 */
static inline long region(int Tk, int D) { return (((long)round4(Tk) * D + 1023) & ~1023L) + 256; }

/*
 * Floats of scratch one attention_f32 / attention_grad_f32 call needs: packed K, V, dK and dV,
 * two rows of Tk4 (scores then probabilities, dS) and four of D vectors (the splats of q·scale·
 * log2 e, q·scale and dO, and the accumulators of the general head width), 16-byte aligned.
 */
EXPORT("attention_scratch_floats") int attention_scratch_floats(int Tk, int D) { return (int)(4 * region(Tk, D) + 2 * round4(Tk) + 16 * D); }

typedef struct {
  float *kp, *vp, *dkp, *dvp, *p, *ds;
  v128_t *qv, *qsv, *gv, *acc;
} scratch_rows;

static scratch_rows carve(float *scratch, int Tk, int D) {
  const long size = region(Tk, D);
  scratch_rows s;
  s.kp = scratch;
  s.vp = s.kp + size;
  s.dkp = s.vp + size;
  s.dvp = s.dkp + size;
  s.p = s.dvp + size;
  s.ds = s.p + round4(Tk);
  s.qv = (v128_t *)(s.ds + round4(Tk));
  s.qsv = s.qv + D;
  s.gv = s.qsv + D;
  s.acc = s.gv + D;
  return s;
}

/*
 * For each of `rows` mask rows of Tk values: the span [from, to) of its visible keys and its kind
 * (3 ints a row): 2 when every key inside the span is visible with bias exactly 0 (the bias can
 * be skipped), 1 when every key inside it is visible, 0 when it has hidden keys. A row with no
 * visible key gets from = to = 0.
 */
EXPORT("attention_spans") void attention_spans(int rows, int Tk, const float *mask, int *spans) {
  for (int r = 0; r < rows; r++) {
    const float *m = mask + (long)r * Tk;
    int from = -1, to = 0, hidden = 0, nonzero = 0;
    for (int j = 0; j < Tk; j++) {
      if (m[j] > HIDDEN) {
        if (from < 0) from = j;
        to = j + 1;
        nonzero += m[j] != 0.0f;
      } else if (from >= 0) hidden++;
    }
    int after = 0; /* hidden keys past the last visible one do not break the span */
    for (int j = to; j < Tk; j++) after += m[j] <= HIDDEN;
    spans[3 * r] = from < 0 ? 0 : from;
    spans[3 * r + 1] = to;
    spans[3 * r + 2] = hidden - after != 0 ? 0 : nonzero ? 1 : 2;
  }
}

/* The 4×4 transpose of the rows a, b, c, d into out[0..4). */
static inline void transpose4(v128_t a, v128_t b, v128_t c, v128_t d, v128_t *out) {
  v128_t t0 = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
  v128_t t2 = wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(c, d, 2, 6, 3, 7);
  out[0] = wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5);
  out[1] = wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7);
  out[2] = wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5);
  out[3] = wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7);
}

/*
 * One head's [Tk, D] rows packed in blocks of four keys: kp[(j/4)·4D + 4e + j%4] = k[j·D + e],
 * zero past Tk (4×4 transposes when D is a multiple of 4).
 */
static void pack_head(const float *k, int Tk, int D, float *kp) {
  int j0 = 0;
  if (D % 4 == 0) {
    for (; j0 + 4 <= Tk; j0 += 4) {
      const float *r = k + (long)j0 * D;
      float *blk = kp + (long)j0 * D;
      for (int e = 0; e < D; e += 4) {
        v128_t t[4];
        transpose4(wasm_v128_load(r + e), wasm_v128_load(r + D + e), wasm_v128_load(r + 2 * D + e), wasm_v128_load(r + 3 * D + e), t);
        for (int c = 0; c < 4; c++) wasm_v128_store(blk + 4 * (e + c), t[c]);
      }
    }
  }
  for (int j = j0; j < round4(Tk); j++) {
    float *blk = kp + (long)(j >> 2) * 4 * D + (j & 3);
    for (int e = 0; e < D; e++) blk[4 * e] = j < Tk ? k[(long)j * D + e] : 0.0f;
  }
}

/* pack_head's inverse: the first Tk keys of packed blocks back to rows of D floats. */
static void unpack_head(const float *kp, int Tk, int D, float *k) {
  int j0 = 0;
  if (D % 4 == 0) {
    for (; j0 + 4 <= Tk; j0 += 4) {
      const float *blk = kp + (long)j0 * D;
      float *r = k + (long)j0 * D;
      for (int e = 0; e < D; e += 4) {
        v128_t t[4];
        transpose4(wasm_v128_load(blk + 4 * e), wasm_v128_load(blk + 4 * e + 4), wasm_v128_load(blk + 4 * e + 8), wasm_v128_load(blk + 4 * e + 12), t);
        for (int c = 0; c < 4; c++) wasm_v128_store(r + (long)c * D + e, t[c]);
      }
    }
  }
  for (int j = j0; j < Tk; j++) {
    const float *blk = kp + (long)(j >> 2) * 4 * D + (j & 3);
    for (int e = 0; e < D; e++) k[(long)j * D + e] = blk[4 * e];
  }
}

static inline float hmax(v128_t v) {
  v = wasm_f32x4_pmax(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  v = wasm_f32x4_pmax(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(v, 0);
}

/* The lane totals of a, b, c and d as one vector, each (x0 + x2) + (x1 + x3). */
INLINE v128_t hsum4(v128_t a, v128_t b, v128_t c, v128_t d) {
  v128_t ab = wasm_f32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
  v128_t cd = wasm_f32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
  return wasm_f32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5), wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}

/* out[e] = total(acc[e])·f for e < D. */
INLINE void store_totals(const int D, const v128_t *acc, float f, float *out) {
  int e = 0;
  for (; e + 4 <= D; e += 4) wasm_v128_store(out + e, wasm_f32x4_mul(hsum4(acc[e], acc[e + 1], acc[e + 2], acc[e + 3]), wasm_f32x4_splat(f)));
  for (; e < D; e++) {
    v128_t a = acc[e];
    out[e] = ((wasm_f32x4_extract_lane(a, 0) + wasm_f32x4_extract_lane(a, 2)) + (wasm_f32x4_extract_lane(a, 1) + wasm_f32x4_extract_lane(a, 3))) * f;
  }
}

/* Up to four floats of a row that ends at `end` (exclusive index), starting at index j. */
static inline v128_t load_upto(const float *row, int j, int end) {
  return j + 4 <= end ? wasm_v128_load(row + j) : agon_load_partial(row + j, end - j);
}

/* Lanes of the block at j whose key lies in [from, to). */
static inline v128_t lanes_in(int j, int from, int to) {
  v128_t idx = wasm_i32x4_add(wasm_i32x4_splat(j), wasm_i32x4_make(0, 1, 2, 3));
  return wasm_v128_and(wasm_i32x4_ge(idx, wasm_i32x4_splat(from)), wasm_i32x4_lt(idx, wasm_i32x4_splat(to)));
}

/* One attention_f32 or attention_grad_f32 call's arguments (the outputs it does not have are 0); [u0, u1): its (b, h) or (b, kv head) pairs. */
typedef struct {
  int T, H, Hkv, Tk, D;
  const float *q, *k, *v, *mask;
  int Bm, Hm;
  const int *spans;
  float scale;
  float *o, *lse_out;
  const float *o_in, *lse, *dO;
  float *dq, *dk, *dv;
  int u0, u1;
} call_args;

/* The mask row (or none), visible span and kind (see attention_spans; 2 without a mask) of query row i of head h in batch b. */
typedef struct {
  const float *bias;
  int from, to, kind;
} row_span;

static inline row_span span_of(const float *mask, const int *spans, int Bm, int Hm, int T, int Tk, int b, int h, int i) {
  row_span s = { 0, 0, Tk, 2 };
  if (!mask) return s;
  int r = ((Bm == 1 ? 0 : b) * Hm + (Hm == 1 ? 0 : h)) * T + i;
  s.bias = mask + (long)r * Tk;
  s.from = spans[3 * r];
  s.to = spans[3 * r + 1];
  s.kind = spans[3 * r + 2];
  return s;
}

/* Σ_e x[e]·block[e] over W vectors of a packed block. */
INLINE v128_t block_dot(const int W, const v128_t *x, const float *blk) {
  v128_t s = wasm_f32x4_mul(x[0], wasm_v128_load(blk));
  for (int e = 1; e < W; e++) s = wasm_f32x4_add(s, wasm_f32x4_mul(x[e], wasm_v128_load(blk + 4 * e)));
  return s;
}

/*
 * Scores (log2 units) of the block of keys j..j+3 from their dot products s: + bias·log2 e, −∞
 * where the key is hidden. `biased`: the row's bias is added and its hidden keys set to −∞ (else
 * its visible biases are all 0); `edge`: a first or last block of the span, whose keys outside
 * [from, to) are set to −∞ and whose bias is read only up to Tk.
 */
INLINE v128_t finish_scores(const int biased, const int edge, v128_t s, int j, row_span sp, int Tk) {
  const v128_t ninf = wasm_f32x4_splat(-__builtin_inff());
  if (biased) {
    v128_t b = edge ? load_upto(sp.bias, j, Tk) : wasm_v128_load(sp.bias + j);
    s = wasm_v128_bitselect(wasm_f32x4_add(s, wasm_f32x4_mul(b, wasm_f32x4_splat(LOG2E))), ninf, wasm_f32x4_gt(b, wasm_f32x4_splat(HIDDEN)));
  }
  if (edge) s = wasm_v128_bitselect(s, ninf, lanes_in(j, sp.from, sp.to));
  return s;
}

/* Scores of the block at j for a head of D = W vectors (qv: q·scale·log2 e splatted). */
INLINE v128_t block_scores(const int D, const int biased, const int edge, const v128_t *qv, const float *kp, int j, row_span sp, int Tk) {
  return finish_scores(biased, edge, block_dot(D, qv, kp + (long)j * D), j, sp, Tk);
}

/* sc[j..] = scores of the span's blocks, first and last block as edges; returns their max. */
INLINE float row_scores(const int D, const int biased, const v128_t *qv, const float *kp, row_span sp, int Tk, float *sc) {
  const int first = sp.from & ~3, last = (sp.to - 1) & ~3;
  v128_t vmax = block_scores(D, biased, 1, qv, kp, first, sp, Tk);
  wasm_v128_store(sc + first, vmax);
  for (int j = first + 4; j < last; j += 4) {
    v128_t s = block_scores(D, biased, 0, qv, kp, j, sp, Tk);
    wasm_v128_store(sc + j, s);
    vmax = wasm_f32x4_pmax(vmax, s);
  }
  if (last > first) {
    v128_t s = block_scores(D, biased, 1, qv, kp, last, sp, Tk);
    wasm_v128_store(sc + last, s);
    vmax = wasm_f32x4_pmax(vmax, s);
  }
  return hmax(vmax);
}

/*
 * A wide head (D a multiple of 4 over 8) in chunks of W ∈ {8, 4} vectors, each chunk's splats and
 * accumulators in registers: sc[j..] (+= when `add`) Σ over the chunk of x[e]·block[e] for every
 * block of the span's cover (kp already offset to the chunk).
 */
INLINE void cover_dots(const int W, const int add, int D, const v128_t *x, const float *kp, row_span sp, float *sc) {
  const int first = sp.from & ~3, last = (sp.to - 1) & ~3;
  v128_t r[8];
  for (int e = 0; e < W; e++) r[e] = x[e];
  for (int j = first; j <= last; j += 4) {
    v128_t s = block_dot(W, r, kp + (long)j * D);
    wasm_v128_store(sc + j, add ? wasm_f32x4_add(wasm_v128_load(sc + j), s) : s);
  }
}

/* All chunks of cover_dots: sc[j..] = the dot products of the span's cover. */
INLINE void chunked_dots(int D, const v128_t *x, const float *kp, row_span sp, float *sc) {
  cover_dots(8, 0, D, x, kp, sp, sc);
  int e0 = 8;
  for (; e0 + 8 <= D; e0 += 8) cover_dots(8, 1, D, x + e0, kp + 4 * e0, sp, sc);
  if (e0 < D) cover_dots(4, 1, D, x + e0, kp + 4 * e0, sp, sc);
}

/* finish_scores over the dot products at sc[j..] of the span's blocks, in place; returns their max. */
INLINE float cover_finish(const int biased, row_span sp, int Tk, float *sc) {
  const int first = sp.from & ~3, last = (sp.to - 1) & ~3;
  v128_t vmax = finish_scores(biased, 1, wasm_v128_load(sc + first), first, sp, Tk);
  wasm_v128_store(sc + first, vmax);
  for (int j = first + 4; j < last; j += 4) {
    v128_t s = finish_scores(biased, 0, wasm_v128_load(sc + j), j, sp, Tk);
    wasm_v128_store(sc + j, s);
    vmax = wasm_f32x4_pmax(vmax, s);
  }
  if (last > first) {
    v128_t s = finish_scores(biased, 1, wasm_v128_load(sc + last), last, sp, Tk);
    wasm_v128_store(sc + last, s);
    vmax = wasm_f32x4_pmax(vmax, s);
  }
  return hmax(vmax);
}

/*
 * acc[e] += p·vp-block[e] for the probabilities p of one block (keys outside the span masked out
 * of the products on an edge block).
 */
INLINE void block_weigh(const int W, const int edge, v128_t p, const float *blk, v128_t inside, v128_t *acc) {
  for (int e = 0; e < W; e++) {
    v128_t t = wasm_f32x4_mul(p, wasm_v128_load(blk + 4 * e));
    acc[e] = wasm_f32x4_add(acc[e], edge ? wasm_v128_and(t, inside) : t);
  }
}

/* acc[0..W) = Σ over the span's blocks of p·vp-block[e] (vp offset to the chunk, blocks D vectors apart). */
INLINE void cover_weigh(const int W, int D, const float *p, const float *vp, row_span sp, v128_t *acc) {
  const int first = sp.from & ~3, last = (sp.to - 1) & ~3;
  for (int e = 0; e < W; e++) acc[e] = wasm_f32x4_splat(0);
  block_weigh(W, 1, wasm_v128_load(p + first), vp + (long)first * D, lanes_in(first, sp.from, sp.to), acc);
  for (int j = first + 4; j < last; j += 4) block_weigh(W, 0, wasm_v128_load(p + j), vp + (long)j * D, wasm_f32x4_splat(0), acc);
  if (last > first) block_weigh(W, 1, wasm_v128_load(p + last), vp + (long)last * D, lanes_in(last, sp.from, sp.to), acc);
}

/*
 * o and lse of one query row with a visible key; qv: q·scale·log2 e splatted, acc: D vectors
 * (unused when `chunked`: a wide head, see cover_dots).
 */
INLINE void forward_row(const int D, const int chunked, const int biased, const v128_t *qv, v128_t *acc, const float *kp,
                        const float *vp, row_span sp, int Tk, float *sc, float *orow, float *lse) {
  float max;
  if (chunked) {
    chunked_dots(D, qv, kp, sp, sc);
    max = cover_finish(biased, sp, Tk, sc);
  } else max = row_scores(D, biased, qv, kp, sp, Tk, sc);
  const v128_t m = wasm_f32x4_splat(max);
  const int first = sp.from & ~3, last = (sp.to - 1) & ~3;
  v128_t sum = wasm_f32x4_splat(0);
  for (int j = first; j <= last; j += 4) {
    v128_t p = agon_exp2f4_upto0(wasm_f32x4_sub(wasm_v128_load(sc + j), m));
    sum = wasm_f32x4_add(sum, p);
    wasm_v128_store(sc + j, p);
  }
  const float total = agon_hsum(sum), inv = 1.0f / total;
  if (chunked) {
    v128_t a[8];
    int e0 = 0;
    for (; e0 + 8 <= D; e0 += 8) {
      cover_weigh(8, D, sc, vp + 4 * e0, sp, a);
      store_totals(8, a, inv, orow + e0);
    }
    if (e0 < D) {
      cover_weigh(4, D, sc, vp + 4 * e0, sp, a);
      store_totals(4, a, inv, orow + e0);
    }
  } else {
    cover_weigh(D, D, sc, vp, sp, acc);
    store_totals(D, acc, inv, orow);
  }
  *lse = (float)(max * LN2 + agon_log(total));
}

/*
 * out[0..D) = Σ_{j ∈ [0, Tk)} w·x_j (rows of D floats): a row with no visible key, which averages
 * every value (w = 1/Tk).
 */
static void mean_rows(float w, const float *x, int Tk, int D, float *out) {
  for (int e = 0; e < D; e++) out[e] = 0.0f;
  for (int j = 0; j < Tk; j++)
    for (int e = 0; e < D; e++) out[e] += w * x[(long)j * D + e];
}

/*
 * attention_f32 for one head width: a constant D ≤ 8 (q and the accumulators in registers), a wide
 * head in chunks (`chunked`), or any other D.
 */
INLINE void forward_heads(const int D, const int chunked, const call_args *a, scratch_rows m, v128_t *qv, v128_t *acc) {
  const int T = a->T, H = a->H, Hkv = a->Hkv, Tk = a->Tk, Bm = a->Bm, Hm = a->Hm, bh0 = a->u0, bh1 = a->u1;
  const float *q = a->q, *k = a->k, *v = a->v, *mask = a->mask;
  const float scale = a->scale;
  const int *spans = a->spans;
  float *o = a->o, *lse = a->lse_out;
  const int rep = H / Hkv;
  const float c = scale * LOG2E;
  long have = -1; /* the (b, kv head) packed in kp and vp */
  for (int bh = bh0; bh < bh1; bh++) {
    const int b = bh / H, h = bh % H;
    const long kv = (long)b * Hkv + h / rep;
    const float *vb = v + kv * Tk * D;
    if (kv != have) {
      pack_head(k + kv * Tk * D, Tk, D, m.kp);
      pack_head(vb, Tk, D, m.vp);
      have = kv;
    }
    for (int i = 0; i < T; i++) {
      const long qi = (((long)b * T + i) * H + h) * D;
      float *lrow = lse + ((long)b * H + h) * T + i;
      row_span sp = span_of(mask, spans, Bm, Hm, T, Tk, b, h, i);
      if (sp.to == 0) {
        mean_rows(1.0f / Tk, vb, Tk, D, o + qi);
        *lrow = 0.0f;
        continue;
      }
      for (int e = 0; e < D; e++) qv[e] = wasm_f32x4_splat(q[qi + e] * c);
      if (sp.kind == 2) forward_row(D, chunked, 0, qv, acc, m.kp, m.vp, sp, Tk, m.p, o + qi, lrow);
      else forward_row(D, chunked, 1, qv, acc, m.kp, m.vp, sp, Tk, m.p, o + qi, lrow);
    }
  }
}

/* Each head width's forward as a function of its own (the engine allocates registers per function). */
static NOINLINE void forward_d4(const call_args *a, scratch_rows m) {
  v128_t qv[4], acc[4];
  forward_heads(4, 0, a, m, qv, acc);
}
static NOINLINE void forward_d8(const call_args *a, scratch_rows m) {
  v128_t qv[8], acc[8];
  forward_heads(8, 0, a, m, qv, acc);
}
static NOINLINE void forward_d16(const call_args *a, scratch_rows m) { forward_heads(16, 1, a, m, m.qv, m.acc); }
static NOINLINE void forward_wide(const call_args *a, scratch_rows m) { forward_heads(a->D, 1, a, m, m.qv, m.acc); }
static NOINLINE void forward_any(const call_args *a, scratch_rows m) { forward_heads(a->D, 0, a, m, m.qv, m.acc); }

/*
 * o and lse for the (b, h) pairs bh0 ≤ b·H + h < bh1. `spans` from attention_spans over the mask
 * (ignored without one). `scratch`: attention_scratch_floats(Tk, D) floats, 16-byte aligned.
 */
EXPORT("attention_f32")
void attention_f32(int B, int T, int H, int Hkv, int Tk, int D, const float *q, const float *k, const float *v,
                   const float *mask, int Bm, int Hm, const int *spans, float scale, float *o, float *lse,
                   float *scratch, int bh0, int bh1) {
  (void)B;
  const call_args a = { T, H, Hkv, Tk, D, q, k, v, mask, Bm, Hm, spans, scale, o, lse, 0, 0, 0, 0, 0, 0, bh0, bh1 };
  const scratch_rows m = carve(scratch, Tk, D);
  switch (D) {
    case 4: forward_d4(&a, m); break;
    case 8: forward_d8(&a, m); break;
    case 16: forward_d16(&a, m); break;
    default: (D % 4 == 0 ? forward_wide : forward_any)(&a, m); break;
  }
}

/*
 * One block of span_accumulate: acc[e] += d·kp-block[e] and pk-block[e] += d·x[e] for W vectors,
 * the products of keys outside the span masked out (`in`) on an edge block.
 */
INLINE void accumulate_block(const int W, const int edge, v128_t d, const v128_t *x, const float *kb, float *pb, v128_t in, v128_t *acc) {
  for (int e = 0; e < W; e++) {
    v128_t t = wasm_f32x4_mul(d, wasm_v128_load(kb + 4 * e)), u = wasm_f32x4_mul(d, x[e]);
    acc[e] = wasm_f32x4_add(acc[e], edge ? wasm_v128_and(t, in) : t);
    wasm_v128_store(pb + 4 * e, wasm_f32x4_add(wasm_v128_load(pb + 4 * e), edge ? wasm_v128_and(u, in) : u));
  }
}

/*
 * acc[0..W) = Σ dS·kp-block[e] (dq before scaling) and dkp-block[e] += dS·x[e] (the packed dk, x =
 * q·scale splatted) over the span's blocks (D vectors apart; kp, dkp and x offset to a chunk); ds:
 * the row's dS at scratch.
 */
INLINE void span_accumulate(const int W, int D, const float *ds, const v128_t *x, const float *kp, float *dkp, row_span sp, v128_t *acc) {
  const int first = sp.from & ~3, last = (sp.to - 1) & ~3;
  for (int e = 0; e < W; e++) acc[e] = wasm_f32x4_splat(0);
  accumulate_block(W, 1, wasm_v128_load(ds + first), x, kp + (long)first * D, dkp + (long)first * D, lanes_in(first, sp.from, sp.to), acc);
  for (int j = first + 4; j < last; j += 4)
    accumulate_block(W, 0, wasm_v128_load(ds + j), x, kp + (long)j * D, dkp + (long)j * D, wasm_f32x4_splat(0), acc);
  if (last > first)
    accumulate_block(W, 1, wasm_v128_load(ds + last), x, kp + (long)last * D, dkp + (long)last * D, lanes_in(last, sp.from, sp.to), acc);
}

/*
 * dvp-block[e] += P·dO[e] for W vectors (the packed dv; on an edge block only the keys inside the
 * span, `in`) and, at ds + j, the dot products dO·v of the block: `mode` 0 stores them, 1 adds
 * them to what is there, 2 stores dS = P·(dO·v − δ). gv: dO splatted.
 */
INLINE void dv_block(const int W, const int mode, const int edge, int D, const v128_t *gv, const float *vp, float *dvp, int j,
                     v128_t in, v128_t delta, const float *p, float *ds) {
  const v128_t pj = wasm_v128_load(p + j);
  float *dvb = dvp + (long)j * D;
  const v128_t dot = block_dot(W, gv, vp + (long)j * D);
  wasm_v128_store(ds + j, mode == 2 ? wasm_f32x4_mul(pj, wasm_f32x4_sub(dot, delta)) : mode == 1 ? wasm_f32x4_add(wasm_v128_load(ds + j), dot) : dot);
  for (int e = 0; e < W; e++) {
    const v128_t t = wasm_f32x4_mul(pj, gv[e]);
    wasm_v128_store(dvb + 4 * e, wasm_f32x4_add(wasm_v128_load(dvb + 4 * e), edge ? wasm_v128_and(t, in) : t));
  }
}

/* dv_block over the span's blocks. */
INLINE void span_dv(const int W, const int mode, int D, const v128_t *gv, const float *vp, float *dvp, row_span sp, v128_t delta,
                    const float *p, float *ds) {
  const int first = sp.from & ~3, last = (sp.to - 1) & ~3;
  dv_block(W, mode, 1, D, gv, vp, dvp, first, lanes_in(first, sp.from, sp.to), delta, p, ds);
  for (int j = first + 4; j < last; j += 4) dv_block(W, mode, 0, D, gv, vp, dvp, j, wasm_f32x4_splat(0), delta, p, ds);
  if (last > first) dv_block(W, mode, 1, D, gv, vp, dvp, last, lanes_in(last, sp.from, sp.to), delta, p, ds);
}

/* r[0..W) = x[0..W): a chunk of splats copied to locals (registers). */
INLINE void take(const int W, const v128_t *x, v128_t *r) {
  for (int e = 0; e < W; e++) r[e] = x[e];
}

/*
 * dq of one query row with a visible key, and its updates of the packed dk and dv. qv: q·scale·
 * log2 e, qsv: q·scale, gv: dO, each splatted (D vectors); acc: D vectors (unused when `chunked`,
 * a wide head in chunks of 8 or 4 vectors, see cover_dots); p, ds: rows of scratch.
 */
INLINE void backward_row(const int D, const int chunked, const int biased, const v128_t *qv, const v128_t *qsv, const v128_t *gv,
                         v128_t *acc, const float *kp, const float *vp, float *dkp, float *dvp, row_span sp, int Tk, float lse,
                         float delta, float *p, float *ds, float scale, float *dqrow) {
  const int first = sp.from & ~3, last = (sp.to - 1) & ~3;
  const v128_t l2 = wasm_f32x4_splat(lse * LOG2E), vd = wasm_f32x4_splat(delta);
  if (!chunked) {
    wasm_v128_store(p + first, block_scores(D, biased, 1, qv, kp, first, sp, Tk));
    for (int j = first + 4; j < last; j += 4) wasm_v128_store(p + j, block_scores(D, biased, 0, qv, kp, j, sp, Tk));
    if (last > first) wasm_v128_store(p + last, block_scores(D, biased, 1, qv, kp, last, sp, Tk));
    for (int j = first; j <= last; j += 4) wasm_v128_store(p + j, agon_exp2f4_upto0(wasm_f32x4_sub(wasm_v128_load(p + j), l2)));
    span_dv(D, 2, D, gv, vp, dvp, sp, vd, p, ds);
    span_accumulate(D, D, ds, qsv, kp, dkp, sp, acc);
    store_totals(D, acc, scale, dqrow);
    return;
  }
  chunked_dots(D, qv, kp, sp, p);
  wasm_v128_store(p + first, agon_exp2f4_upto0(wasm_f32x4_sub(finish_scores(biased, 1, wasm_v128_load(p + first), first, sp, Tk), l2)));
  for (int j = first + 4; j < last; j += 4)
    wasm_v128_store(p + j, agon_exp2f4_upto0(wasm_f32x4_sub(finish_scores(biased, 0, wasm_v128_load(p + j), j, sp, Tk), l2)));
  if (last > first)
    wasm_v128_store(p + last, agon_exp2f4_upto0(wasm_f32x4_sub(finish_scores(biased, 1, wasm_v128_load(p + last), last, sp, Tk), l2)));
  v128_t r[8], a[8];
  int e0 = 8;
  take(8, gv, r);
  span_dv(8, 0, D, r, vp, dvp, sp, vd, p, ds);
  for (; e0 + 8 <= D; e0 += 8) {
    take(8, gv + e0, r);
    span_dv(8, 1, D, r, vp + 4 * e0, dvp + 4 * e0, sp, vd, p, ds);
  }
  if (e0 < D) {
    take(4, gv + e0, r);
    span_dv(4, 1, D, r, vp + 4 * e0, dvp + 4 * e0, sp, vd, p, ds);
  }
  for (int j = first; j <= last; j += 4) wasm_v128_store(ds + j, wasm_f32x4_mul(wasm_v128_load(p + j), wasm_f32x4_sub(wasm_v128_load(ds + j), vd)));
  for (e0 = 0; e0 + 8 <= D; e0 += 8) {
    take(8, qsv + e0, r);
    span_accumulate(8, D, ds, r, kp + 4 * e0, dkp + 4 * e0, sp, a);
    store_totals(8, a, scale, dqrow + e0);
  }
  if (e0 < D) {
    take(4, qsv + e0, r);
    span_accumulate(4, D, ds, r, kp + 4 * e0, dkp + 4 * e0, sp, a);
    store_totals(4, a, scale, dqrow + e0);
  }
}

/* attention_grad_f32 for one head width (as forward_heads). */
INLINE void backward_heads(const int D, const int chunked, const call_args *a, scratch_rows m, v128_t *qv, v128_t *qsv, v128_t *gv, v128_t *acc) {
  const int T = a->T, H = a->H, Hkv = a->Hkv, Tk = a->Tk, Bm = a->Bm, Hm = a->Hm, bg0 = a->u0, bg1 = a->u1;
  const float *q = a->q, *k = a->k, *v = a->v, *mask = a->mask, *o = a->o_in, *lse = a->lse, *dO = a->dO;
  const float scale = a->scale;
  const int *spans = a->spans;
  float *dq = a->dq, *dk = a->dk, *dv = a->dv;
  const int rep = H / Hkv;
  const float c = scale * LOG2E;
  const long n = (long)round4(Tk) * D;
  for (int bg = bg0; bg < bg1; bg++) {
    const int b = bg / Hkv, g = bg % Hkv;
    float *dkb = dk + (long)bg * Tk * D, *dvb = dv + (long)bg * Tk * D;
    for (long i = 0; i < n; i++) m.dkp[i] = m.dvp[i] = 0.0f;
    pack_head(k + (long)bg * Tk * D, Tk, D, m.kp);
    pack_head(v + (long)bg * Tk * D, Tk, D, m.vp);
    for (int h = g * rep; h < (g + 1) * rep; h++) {
      for (int i = 0; i < T; i++) {
        const long qi = (((long)b * T + i) * H + h) * D;
        const float *go = dO + qi, *orow = o + qi;
        float *dqrow = dq + qi;
        row_span sp = span_of(mask, spans, Bm, Hm, T, Tk, b, h, i);
        if (sp.to == 0) {
          /* dv_j += dO/Tk for every key (packed) */
          for (int e = 0; e < D; e++) {
            dqrow[e] = 0.0f;
            const float w = go[e] * (1.0f / Tk);
            for (int j = 0; j < Tk; j++) m.dvp[(long)(j >> 2) * 4 * D + 4 * e + (j & 3)] += w;
          }
          continue;
        }
        float delta = 0.0f;
        for (int e = 0; e < D; e++) {
          delta += go[e] * orow[e];
          qv[e] = wasm_f32x4_splat(q[qi + e] * c);
          qsv[e] = wasm_f32x4_splat(q[qi + e] * scale);
          gv[e] = wasm_f32x4_splat(go[e]);
        }
        const float l = lse[((long)b * H + h) * T + i];
        if (sp.kind == 2) backward_row(D, chunked, 0, qv, qsv, gv, acc, m.kp, m.vp, m.dkp, m.dvp, sp, Tk, l, delta, m.p, m.ds, scale, dqrow);
        else backward_row(D, chunked, 1, qv, qsv, gv, acc, m.kp, m.vp, m.dkp, m.dvp, sp, Tk, l, delta, m.p, m.ds, scale, dqrow);
      }
    }
    unpack_head(m.dkp, Tk, D, dkb);
    unpack_head(m.dvp, Tk, D, dvb);
  }
}

/* Each head width's backward as a function of its own. */
static NOINLINE void backward_d4(const call_args *a, scratch_rows m) {
  v128_t qv[4], qsv[4], gv[4], acc[4];
  backward_heads(4, 0, a, m, qv, qsv, gv, acc);
}
static NOINLINE void backward_d8(const call_args *a, scratch_rows m) {
  v128_t qv[8], qsv[8], gv[8], acc[8];
  backward_heads(8, 0, a, m, qv, qsv, gv, acc);
}
static NOINLINE void backward_d16(const call_args *a, scratch_rows m) { backward_heads(16, 1, a, m, m.qv, m.qsv, m.gv, m.acc); }
static NOINLINE void backward_wide(const call_args *a, scratch_rows m) { backward_heads(a->D, 1, a, m, m.qv, m.qsv, m.gv, m.acc); }
static NOINLINE void backward_any(const call_args *a, scratch_rows m) { backward_heads(a->D, 0, a, m, m.qv, m.qsv, m.gv, m.acc); }

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
  const call_args a = { T, H, Hkv, Tk, D, q, k, v, mask, Bm, Hm, spans, scale, (float *)0, (float *)0, o, lse, dO, dq, dk, dv, bg0, bg1 };
  const scratch_rows m = carve(scratch, Tk, D);
  switch (D) {
    case 4: backward_d4(&a, m); break;
    case 8: backward_d8(&a, m); break;
    case 16: backward_d16(&a, m); break;
    default: (D % 4 == 0 ? backward_wide : backward_any)(&a, m); break;
  }
}
