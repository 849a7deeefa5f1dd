/*
 * SwiGLU's elementwise part for agon's wasm kernels, 128-bit SIMD: y = silu(g)·u = g·σ(g)·u and
 * its gradient. Every element takes the same vector path (a tail of fewer than four is computed
 * as a zero-padded vector), so an element's result does not depend on the length of the call.
 */
#include "common.h"
#include "vexp.h"

/* y[i] = g[i]·σ(g[i])·u[i] for i < n. */
static inline v128_t swiglu4(v128_t g, v128_t u) {
  return wasm_f32x4_mul(wasm_f32x4_mul(g, agon_sigmoidf4(g)), u);
}

EXPORT("swiglu_f32") void swiglu_f32(int n, const float *g, const float *u, float *y) {
  int i = 0;
  /* Two independent vectors an iteration: the exp polynomial is one long dependency chain. */
  for (; i + 8 <= n; i += 8) {
    v128_t a = swiglu4(wasm_v128_load(g + i), wasm_v128_load(u + i));
    v128_t b = swiglu4(wasm_v128_load(g + i + 4), wasm_v128_load(u + i + 4));
    wasm_v128_store(y + i, a);
    wasm_v128_store(y + i + 4, b);
  }
  for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, swiglu4(wasm_v128_load(g + i), wasm_v128_load(u + i)));
  if (i < n) agon_store_partial(y + i, swiglu4(agon_load_partial(g + i, n - i), agon_load_partial(u + i, n - i)), n - i);
}

/*
 * With s = σ(g): dg = dy·u·s·(1 + g·(1 − s)) and du = dy·g·s, for i < n.
 */
static inline void swiglu_grad4(v128_t dy, v128_t g, v128_t u, v128_t *dg, v128_t *du) {
  v128_t one = wasm_f32x4_splat(1.0f);
  v128_t s = agon_sigmoidf4(g);
  *du = wasm_f32x4_mul(dy, wasm_f32x4_mul(g, s));
  *dg = wasm_f32x4_mul(wasm_f32x4_mul(dy, wasm_f32x4_mul(u, s)), wasm_f32x4_add(one, wasm_f32x4_mul(g, wasm_f32x4_sub(one, s))));
}

EXPORT("swiglu_grad_f32") void swiglu_grad_f32(int n, const float *dy, const float *g, const float *u, float *dg, float *du) {
  int i = 0;
  v128_t a, b;
  for (; i + 4 <= n; i += 4) {
    swiglu_grad4(wasm_v128_load(dy + i), wasm_v128_load(g + i), wasm_v128_load(u + i), &a, &b);
    wasm_v128_store(dg + i, a);
    wasm_v128_store(du + i, b);
  }
  if (i < n) {
    int r = n - i;
    swiglu_grad4(agon_load_partial(dy + i, r), agon_load_partial(g + i, r), agon_load_partial(u + i, r), &a, &b);
    agon_store_partial(dg + i, a, r);
    agon_store_partial(du + i, b, r);
  }
}

/*
 * The packed form: each of `rows` rows of gu holds F gate values then F up values (what one
 * product x·[W_gate; W_up]ᵀ gives), y is [rows, F]. Row by row through the kernels above, so an
 * element's value is the same as swiglu_f32 gives for it.
 */
EXPORT("swiglu_packed_f32") void swiglu_packed_f32(int rows, int F, const float *gu, float *y) {
  for (int r = 0; r < rows; r++) swiglu_f32(F, gu + 2L * r * F, gu + 2L * r * F + F, y + (long)r * F);
}

/* dgu [rows, 2F] (dgate then dup in each row) from dy [rows, F] and gu, as swiglu_grad_f32. */
EXPORT("swiglu_packed_grad_f32") void swiglu_packed_grad_f32(int rows, int F, const float *dy, const float *gu, float *dgu) {
  for (int r = 0; r < rows; r++) {
    const long at = 2L * r * F;
    swiglu_grad_f32(F, dy + (long)r * F, gu + at, gu + at + F, dgu + at, dgu + at + F);
  }
}
