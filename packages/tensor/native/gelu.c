/*
 * GELU for agon's wasm kernels, 128-bit SIMD, in GPT-2's two forms and their gradients:
 *   tanh form (gelu_new)  y = ½x(1 + tanh(u)), u = √(2/π)(x + 0.044715x³), tanh(u) = 1 − 2/(1 + e^{2u});
 *   exact form            y = ½x(1 + erf(x/√2)), erf by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7,
 *                         the formula tfjs' own Erf kernels use).
 * Every element takes the same vector path (a tail of fewer than four is a zero-padded vector).
 */
#include "common.h"
#include "vexp.h"

#define SQRT_2_OVER_PI 0.797884561f
#define GELU_C 0.044715f
#define SQRT1_2 0.707106781f
#define INV_SQRT_2PI 0.398942280f

static inline v128_t splat(float v) { return wasm_f32x4_splat(v); }

/* tanh(u) = 1 − 2/(1 + e^{2u}); ±1 where e^{2u} saturates. */
static inline v128_t tanh4(v128_t u) {
  v128_t e = agon_expf4(wasm_f32x4_add(u, u));
  return wasm_f32x4_sub(splat(1.0f), wasm_f32x4_div(splat(2.0f), wasm_f32x4_add(splat(1.0f), e)));
}

/* erf(z) = sign(z)·(1 − t(a1 + t(a2 + t(a3 + t(a4 + t·a5))))·e^{−z²}), t = 1/(1 + p|z|). */
static inline v128_t erf4(v128_t z) {
  v128_t a = wasm_f32x4_abs(z);
  v128_t t = wasm_f32x4_div(splat(1.0f), wasm_f32x4_add(splat(1.0f), wasm_f32x4_mul(splat(0.3275911f), a)));
  v128_t p = wasm_f32x4_add(splat(-1.453152027f), wasm_f32x4_mul(t, splat(1.061405429f)));
  p = wasm_f32x4_add(splat(1.421413741f), wasm_f32x4_mul(t, p));
  p = wasm_f32x4_add(splat(-0.284496736f), wasm_f32x4_mul(t, p));
  p = wasm_f32x4_add(splat(0.254829592f), wasm_f32x4_mul(t, p));
  p = wasm_f32x4_mul(t, p);
  v128_t r = wasm_f32x4_sub(splat(1.0f), wasm_f32x4_mul(p, agon_expf4(wasm_f32x4_neg(wasm_f32x4_mul(a, a)))));
  return wasm_v128_or(r, wasm_v128_and(z, wasm_i32x4_splat((int)0x80000000)));
}

/* √(2/π)(x + 0.044715x³) */
static inline v128_t inner4(v128_t x) {
  v128_t x3 = wasm_f32x4_mul(wasm_f32x4_mul(x, x), x);
  return wasm_f32x4_mul(wasm_f32x4_add(x, wasm_f32x4_mul(x3, splat(GELU_C))), splat(SQRT_2_OVER_PI));
}

static inline v128_t gelu4(v128_t x, int exact) {
  v128_t s = exact ? erf4(wasm_f32x4_mul(x, splat(SQRT1_2))) : tanh4(inner4(x));
  return wasm_f32x4_mul(wasm_f32x4_mul(x, splat(0.5f)), wasm_f32x4_add(splat(1.0f), s));
}

/*
 * dy · dGELU/dx: tanh form ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²); exact form
 * ½(1 + erf(x/√2)) + x·e^{−x²/2}/√(2π).
 */
static inline v128_t gelu_grad4(v128_t dy, v128_t x, int exact) {
  v128_t half = splat(0.5f), one = splat(1.0f), d;
  if (exact) {
    v128_t cdf = wasm_f32x4_mul(half, wasm_f32x4_add(one, erf4(wasm_f32x4_mul(x, splat(SQRT1_2)))));
    v128_t pdf = wasm_f32x4_mul(agon_expf4(wasm_f32x4_mul(wasm_f32x4_mul(x, x), splat(-0.5f))), splat(INV_SQRT_2PI));
    d = wasm_f32x4_add(cdf, wasm_f32x4_mul(x, pdf));
  } else {
    v128_t t = tanh4(inner4(x));
    v128_t du = wasm_f32x4_mul(splat(SQRT_2_OVER_PI), wasm_f32x4_add(one, wasm_f32x4_mul(splat(3.0f * GELU_C), wasm_f32x4_mul(x, x))));
    v128_t sech2 = wasm_f32x4_sub(one, wasm_f32x4_mul(t, t));
    d = wasm_f32x4_add(wasm_f32x4_mul(half, wasm_f32x4_add(one, t)), wasm_f32x4_mul(wasm_f32x4_mul(wasm_f32x4_mul(half, x), sech2), du));
  }
  return wasm_f32x4_mul(dy, d);
}

/* y = GELU(x) over n floats; exact: 1 for the erf form, 0 for the tanh form. */
EXPORT("gelu_f32") void gelu_f32(int n, int exact, const float *x, float *y) {
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, gelu4(wasm_v128_load(x + i), exact));
  if (i < n) agon_store_partial(y + i, gelu4(agon_load_partial(x + i, n - i), exact), n - i);
}

/* dx = dy · GELU'(x) over n floats. */
EXPORT("gelu_grad_f32") void gelu_grad_f32(int n, int exact, const float *dy, const float *x, float *dx) {
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(dx + i, gelu_grad4(wasm_v128_load(dy + i), wasm_v128_load(x + i), exact));
  if (i < n) agon_store_partial(dx + i, gelu_grad4(agon_load_partial(dy + i, n - i), agon_load_partial(x + i, n - i), exact), n - i);
}
