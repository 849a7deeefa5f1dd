/*
 * Rotary position embeddings for agon's wasm kernels, 128-bit SIMD. x is [rows, heads, d] and
 * cos, sin are [rows, d] (one row of angles shared by a row's heads); sin carries the layout's
 * sign (−sin θ on the first member of each pair, +sin θ on the second), so with perm(j) the
 * partner of dimension j:
 *   forward   y[j]  = x[j]·cos[j] + x[perm j]·sin[j]
 *   backward  dx[j] = dy[j]·cos[j] + dy[perm j]·sin[perm j]   (the transpose: the inverse rotation)
 * Layouts: halves (j, j + d/2), Hugging Face's rotate_half; interleaved (2i, 2i + 1), llama2.c's.
 * Every element is one multiply-add pair in this order whatever the vector width, so results do
 * not depend on d's divisibility or on the number of rows of a call.
 */
#include "common.h"

static inline v128_t load_n(const float *p, int n) { return n >= 4 ? wasm_v128_load(p) : agon_load_partial(p, n); }
static inline void store_n(float *p, v128_t v, int n) {
  if (n >= 4) wasm_v128_store(p, v);
  else agon_store_partial(p, v, n);
}

static inline v128_t madd(v128_t a, v128_t ca, v128_t b, v128_t sb) {
  return wasm_f32x4_add(wasm_f32x4_mul(a, ca), wasm_f32x4_mul(b, sb));
}

/* Pairs (i, i + half) of one head. */
static void rope_halves(int half, int backward, const float *x, const float *c, const float *s, float *y) {
  for (int i = 0; i < half; i += 4) {
    int n = half - i < 4 ? half - i : 4;
    v128_t a = load_n(x + i, n), b = load_n(x + half + i, n);
    v128_t ca = load_n(c + i, n), cb = load_n(c + half + i, n);
    v128_t sa = load_n(s + i, n), sb = load_n(s + half + i, n);
    if (backward) {
      v128_t t = sa;
      sa = sb;
      sb = t;
    }
    store_n(y + i, madd(a, ca, b, sa), n);
    store_n(y + half + i, madd(b, cb, a, sb), n);
  }
}

/* Pairs (2i, 2i + 1) of one head (d even). */
static void rope_interleaved(int d, int backward, const float *x, const float *c, const float *s, float *y) {
  for (int j = 0; j < d; j += 4) {
    int n = d - j < 4 ? d - j : 4;
    v128_t v = load_n(x + j, n), sv = load_n(s + j, n);
    v128_t partner = wasm_i32x4_shuffle(v, v, 1, 0, 3, 2);
    if (backward) sv = wasm_i32x4_shuffle(sv, sv, 1, 0, 3, 2);
    store_n(y + j, madd(v, load_n(c + j, n), partner, sv), n);
  }
}

/* y = the rotation of x (backward = 0) or its transpose applied to x (backward = 1); see above. */
EXPORT("rope_f32") void rope_f32(int rows, int heads, int d, int interleaved, int backward, const float *x, const float *cos,
                                 const float *sin, float *y) {
  for (int r = 0; r < rows; r++) {
    const float *c = cos + r * d, *s = sin + r * d;
    for (int h = 0; h < heads; h++) {
      int o = (r * heads + h) * d;
      if (interleaved) rope_interleaved(d, backward, x + o, c, s, y + o);
      else rope_halves(d / 2, backward, x + o, c, s, y + o);
    }
  }
}
