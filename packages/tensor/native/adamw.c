/*
 * One AdamW step over n floats for agon's wasm kernels, 128-bit SIMD, with the float32 operations
 * of the composed form in the same order (clang is told not to contract them), so the result is
 * bit for bit what tfjs' elementwise ops give:
 *   m' = β1·m + (1−β1)·g,  v' = β2·v + (1−β2)·g²,
 *   x' = (x − (lr·wd)·x) − lr·((m'/c1) / (√(v'/c2) + ε)).
 * The coefficients arrive already rounded to float32, as tfjs' scalar tensors would be.
 */
#include "common.h"

EXPORT("adamw_f32")
void adamw_f32(int n, const float *x, const float *g, const float *m, const float *v, float b1, float nb1, float b2, float nb2,
               float c1, float c2, float eps, float lrwd, float lr, int decay, float *xo, float *mo, float *vo) {
  const v128_t B1 = wasm_f32x4_splat(b1), NB1 = wasm_f32x4_splat(nb1), B2 = wasm_f32x4_splat(b2), NB2 = wasm_f32x4_splat(nb2);
  const v128_t C1 = wasm_f32x4_splat(c1), C2 = wasm_f32x4_splat(c2), EPS = wasm_f32x4_splat(eps);
  const v128_t LRWD = wasm_f32x4_splat(lrwd), LR = wasm_f32x4_splat(lr);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t gi = wasm_v128_load(g + i), xi = wasm_v128_load(x + i);
    v128_t m1 = wasm_f32x4_add(wasm_f32x4_mul(B1, wasm_v128_load(m + i)), wasm_f32x4_mul(NB1, gi));
    v128_t v1 = wasm_f32x4_add(wasm_f32x4_mul(B2, wasm_v128_load(v + i)), wasm_f32x4_mul(NB2, wasm_f32x4_mul(gi, gi)));
    v128_t step = wasm_f32x4_div(wasm_f32x4_div(m1, C1), wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(v1, C2)), EPS));
    v128_t dec = decay ? wasm_f32x4_sub(xi, wasm_f32x4_mul(LRWD, xi)) : xi;
    wasm_v128_store(mo + i, m1);
    wasm_v128_store(vo + i, v1);
    wasm_v128_store(xo + i, wasm_f32x4_sub(dec, wasm_f32x4_mul(LR, step)));
  }
  for (; i < n; i++) {
    float m1 = b1 * m[i] + nb1 * g[i];
    float v1 = b2 * v[i] + nb2 * (g[i] * g[i]);
    float step = (m1 / c1) / (__builtin_sqrtf(v1 / c2) + eps);
    float dec = decay ? x[i] - lrwd * x[i] : x[i];
    mo[i] = m1;
    vo[i] = v1;
    xo[i] = dec - lr * step;
  }
}
