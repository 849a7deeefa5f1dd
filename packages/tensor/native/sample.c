/* The exponentials of the sampler (src/kernels/sample/math.ts): e_i = exp((x_i − max) / T) over a
   row of float32 logits, in float64, and their sum in index order. exp is fdlibm's algorithm
   (e_exp.c, what V8's Math.exp runs) with the same IEEE double operations in the same order as
   src/kernels/sample/exp.ts, so the results are those of the JavaScript path bit for bit: two lanes
   at a time on the common inputs (one reduction path, k selected), one lane at a time through the
   full scalar algorithm when a lane is special (NaN, ±∞, |d| ≥ 708, |d| < 2^-28, d = 1). */
#include "common.h"

#define HALF_LN2_UP 0.3465735912322998 /* high word 0x3FD62E43: |x| > 0.5·ln2 in fdlibm's test */
#define OVERFLOW_WORD 709.7822265625   /* high word 0x40862E42 */
#define TWO_M28 3.725290298461914e-9
#define O_THRESHOLD 7.09782712893383973096e2
#define U_THRESHOLD -7.45133219101941108420e2
#define LN2_HI 6.93147180369123816490e-1
#define LN2_LO 1.90821492927058770002e-10
#define INV_LN2 1.4426950408889634
#define P1 1.66666666666666019037e-1
#define P2 -2.77777777770155933842e-3
#define P3 6.61375632143793436117e-5
#define P4 -1.65339022054652515390e-6
#define P5 4.13813679705723846039e-8
#define E_CONST 2.718281828459045
#define TWO_M1000 9.33263618503218878990e-302
#define TWO_1023 8.98846567431158e307
/* Below this |d| a lane takes the vector path: k ≥ −1021, so 2^k is a normal double. */
#define VECTOR_LIMIT 708.0

static inline double pow2_normal(int k) {
  union { unsigned long long u; double d; } v;
  v.u = (unsigned long long)(k + 1023) << 52;
  return v.d;
}

/* fdlibm's exp, as exp.ts's expF64. */
static double exp_scalar(double x) {
  double ax = __builtin_fabs(x);
  if (!(ax < OVERFLOW_WORD)) {
    if (x != x) return x + x;
    if (ax == __builtin_inf()) return x > 0 ? x : 0.0;
    if (x > O_THRESHOLD) return __builtin_inf();
    if (x < U_THRESHOLD) return 0.0;
  }
  if (ax < TWO_M28) return 1.0 + x;
  if (x == 1.0) return E_CONST;
  int k = ax >= HALF_LN2_UP ? (int)(INV_LN2 * x + (x > 0 ? 0.5 : -0.5)) : 0;
  double hi = x - (double)k * LN2_HI;
  double lo = (double)k * LN2_LO;
  double r = hi - lo;
  double t = r * r;
  double c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  double y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
  if (k >= -1021) {
    if (k == 1024) return y * 2.0 * TWO_1023;
    return y * pow2_normal(k);
  }
  return y * pow2_normal(k + 1000) * TWO_M1000;
}

/* exp of two lanes none of which is special. */
static inline v128_t exp_f64x2(v128_t d) {
  const v128_t sign = wasm_i64x2_splat((long long)0x8000000000000000ULL);
  v128_t ax = wasm_f64x2_abs(d);
  v128_t half = wasm_v128_or(wasm_f64x2_splat(0.5), wasm_v128_and(d, sign));
  v128_t kt = wasm_f64x2_trunc(wasm_f64x2_add(wasm_f64x2_mul(wasm_f64x2_splat(INV_LN2), d), half));
  v128_t k = wasm_v128_and(kt, wasm_f64x2_ge(ax, wasm_f64x2_splat(HALF_LN2_UP))); /* +0 where k = 0 */
  v128_t hi = wasm_f64x2_sub(d, wasm_f64x2_mul(k, wasm_f64x2_splat(LN2_HI)));
  v128_t lo = wasm_f64x2_mul(k, wasm_f64x2_splat(LN2_LO));
  v128_t r = wasm_f64x2_sub(hi, lo);
  v128_t t = wasm_f64x2_mul(r, r);
  v128_t p = wasm_f64x2_add(wasm_f64x2_splat(P4), wasm_f64x2_mul(t, wasm_f64x2_splat(P5)));
  p = wasm_f64x2_add(wasm_f64x2_splat(P3), wasm_f64x2_mul(t, p));
  p = wasm_f64x2_add(wasm_f64x2_splat(P2), wasm_f64x2_mul(t, p));
  p = wasm_f64x2_add(wasm_f64x2_splat(P1), wasm_f64x2_mul(t, p));
  v128_t c = wasm_f64x2_sub(r, wasm_f64x2_mul(t, p));
  v128_t q = wasm_f64x2_div(wasm_f64x2_mul(r, c), wasm_f64x2_sub(wasm_f64x2_splat(2.0), c));
  v128_t y = wasm_f64x2_sub(wasm_f64x2_splat(1.0), wasm_f64x2_sub(wasm_f64x2_sub(lo, q), hi));
  /* 2^k in the exponent bits; k is an integer in [-1021, 1022] here. Adding 1.5·2^52 puts
     k mod 2^51 in the low mantissa bits; the shift keeps the low 12 bits of k + 1023. */
  v128_t kb = wasm_f64x2_add(k, wasm_f64x2_splat(6755399441055744.0));
  v128_t scale = wasm_i64x2_shl(wasm_i64x2_add(kb, wasm_i64x2_splat(1023)), 52);
  return wasm_f64x2_mul(y, scale);
}

/* Lanes that need the scalar algorithm: NaN, |d| ≥ VECTOR_LIMIT, |d| < 2^-28 or d = 1. */
static inline int special_f64x2(v128_t d) {
  v128_t ax = wasm_f64x2_abs(d);
  v128_t ok = wasm_v128_and(wasm_f64x2_lt(ax, wasm_f64x2_splat(VECTOR_LIMIT)), wasm_f64x2_ge(ax, wasm_f64x2_splat(TWO_M28)));
  ok = wasm_v128_andnot(ok, wasm_f64x2_eq(d, wasm_f64x2_splat(1.0)));
  return !wasm_i64x2_all_true(ok);
}

/* Σ e_i over n logits x with e_i = exp((x_i − max) / T) (no division when T is 1: x/1 is x),
   summed in index order; each e_i is also written to out[i] when out is not null. */
EXPORT("exp_shifted_f64")
double exp_shifted_f64(int n, const float *x, double max, double temperature, double *out) {
  const int divide = temperature != 1.0;
  const v128_t vmax = wasm_f64x2_splat(max), vt = wasm_f64x2_splat(temperature);
  double sum = 0.0;
  int i = 0;
  /* Four lanes an iteration (two independent vectors), summed in index order. */
  for (; i + 4 <= n; i += 4) {
    v128_t d0 = wasm_f64x2_sub(wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(x + i)), vmax);
    v128_t d1 = wasm_f64x2_sub(wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(x + i + 2)), vmax);
    if (divide) {
      d0 = wasm_f64x2_div(d0, vt);
      d1 = wasm_f64x2_div(d1, vt);
    }
    double e[4];
    if (special_f64x2(d0) | special_f64x2(d1)) {
      e[0] = exp_scalar(wasm_f64x2_extract_lane(d0, 0));
      e[1] = exp_scalar(wasm_f64x2_extract_lane(d0, 1));
      e[2] = exp_scalar(wasm_f64x2_extract_lane(d1, 0));
      e[3] = exp_scalar(wasm_f64x2_extract_lane(d1, 1));
    } else {
      v128_t e0 = exp_f64x2(d0), e1 = exp_f64x2(d1);
      e[0] = wasm_f64x2_extract_lane(e0, 0);
      e[1] = wasm_f64x2_extract_lane(e0, 1);
      e[2] = wasm_f64x2_extract_lane(e1, 0);
      e[3] = wasm_f64x2_extract_lane(e1, 1);
    }
    sum += e[0];
    sum += e[1];
    sum += e[2];
    sum += e[3];
    if (out) {
      out[i] = e[0];
      out[i + 1] = e[1];
      out[i + 2] = e[2];
      out[i + 3] = e[3];
    }
  }
  for (; i < n; i++) {
    double d = (double)x[i] - max;
    if (divide) d = d / temperature;
    double e = exp_scalar(d);
    sum += e;
    if (out) out[i] = e;
  }
  return sum;
}

/* The first index holding the largest non-NaN value of n floats, or -1 when all are NaN (the
   greedy row's arg-max and max; NaNs are skipped as JavaScript's `x > max` skips them). */
EXPORT("row_max_f32")
int row_max_f32(int n, const float *x) {
  const float ninf = -__builtin_inff();
  v128_t m0 = wasm_f32x4_splat(ninf), m1 = m0;
  int i = 0;
  /* pmax(m, v) is v where m < v, else m: a NaN in v leaves m. */
  for (; i + 8 <= n; i += 8) {
    m0 = wasm_f32x4_pmax(m0, wasm_v128_load(x + i));
    m1 = wasm_f32x4_pmax(m1, wasm_v128_load(x + i + 4));
  }
  m0 = wasm_f32x4_pmax(m0, m1);
  float max = ninf;
  for (int l = 0; l < 4; l++) {
    float v = l == 0 ? wasm_f32x4_extract_lane(m0, 0) : l == 1 ? wasm_f32x4_extract_lane(m0, 1) : l == 2 ? wasm_f32x4_extract_lane(m0, 2) : wasm_f32x4_extract_lane(m0, 3);
    if (v > max) max = v;
  }
  for (; i < n; i++)
    if (x[i] > max) max = x[i];
  const v128_t vm = wasm_f32x4_splat(max);
  i = 0;
  for (; i + 4 <= n; i += 4) {
    if (wasm_v128_any_true(wasm_f32x4_eq(wasm_v128_load(x + i), vm))) break;
  }
  for (; i < n; i++)
    if (x[i] == max) return i;
  return -1;
}
