/* e^x on four float32 lanes (the polynomial of act.h's agon_expf, vectorised) and the logistic
   sigmoid built on it, for the elementwise kernels. */
#ifndef AGON_VEXP_H
#define AGON_VEXP_H
#include "common.h"

/* 1.5·2^23: adding it to a float32 of magnitude < 2^22 rounds it to the nearest integer n
   (ties to even) and leaves n in the low mantissa bits of the sum t. */
#define AGON_ROUND_MAGIC 12582912.0f

/* 2^n per lane for t = n + AGON_ROUND_MAGIC, n in [-127, 128): n + 127 moved into the exponent
   bits (the integer difference of the two floats' bits is n); n = −127 gives all zero bits, 0. */
static inline v128_t agon_pow2_of_rounded(v128_t t) {
  const v128_t magic = wasm_f32x4_splat(AGON_ROUND_MAGIC);
  return wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_sub(t, magic), wasm_i32x4_splat(127)), 23);
}

/*
 * e^x per lane, x clamped to [-87, 88] first (so the result stays a normal float: e^-87 ≈ 1.6e-38
 * below, e^88 ≈ 1.7e38 above; NaN propagates, as pmin/pmax keep their first operand when a
 * comparison with NaN fails). x = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in two for exactness),
 * e^r by a degree-6 Taylor polynomial (error < 2e-7 relative), 2^n built in the exponent bits.
 * n = round-to-nearest-even(x·log2 e) comes from adding AGON_ROUND_MAGIC (cheaper than nearest
 * plus a saturating conversion).
 */
static inline v128_t agon_expf4(v128_t x) {
  x = wasm_f32x4_pmax(wasm_f32x4_pmin(x, wasm_f32x4_splat(88.0f)), wasm_f32x4_splat(-87.0f));
  const v128_t magic = wasm_f32x4_splat(AGON_ROUND_MAGIC);
  v128_t t = wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504f)), magic);
  v128_t fn = wasm_f32x4_sub(t, magic);
  v128_t r = wasm_f32x4_sub(wasm_f32x4_sub(x, wasm_f32x4_mul(fn, wasm_f32x4_splat(0.693145752f))),
                            wasm_f32x4_mul(fn, wasm_f32x4_splat(1.42860677e-6f)));
  v128_t p = wasm_f32x4_add(wasm_f32x4_splat(0.00833333377f), wasm_f32x4_mul(r, wasm_f32x4_splat(0.00138888892f)));
  p = wasm_f32x4_add(wasm_f32x4_splat(0.0416666679f), wasm_f32x4_mul(r, p));
  p = wasm_f32x4_add(wasm_f32x4_splat(0.166666672f), wasm_f32x4_mul(r, p));
  p = wasm_f32x4_add(wasm_f32x4_splat(0.5f), wasm_f32x4_mul(r, p));
  p = wasm_f32x4_add(wasm_f32x4_splat(1.0f), wasm_f32x4_mul(r, p));
  p = wasm_f32x4_add(wasm_f32x4_splat(1.0f), wasm_f32x4_mul(r, p));
  return wasm_f32x4_mul(p, agon_pow2_of_rounded(t));
}

/*
 * 2^x per lane for x < 128 (the attention kernels' probabilities, their scores kept in log2 units
 * and at most 0 after the shift), exactly 0 for x ≤ −127 (−∞ included); NaN propagates. x is
 * clamped to ≥ −127, n = round-to-nearest-even(x) comes from adding AGON_ROUND_MAGIC, 2^(x − n)
 * with |x − n| ≤ ½ by a degree-5 polynomial (Remez, relative error < 2.4e-7 in float32 without
 * FMA, about that of agon_expf4), and 2^n from the exponent bits: at n = −127 they are all 0, the
 * float 0, so hidden keys get probability 0 with no extra mask.
 */
static inline v128_t agon_exp2f4_upto0(v128_t x) {
  x = wasm_f32x4_pmax(x, wasm_f32x4_splat(-127.0f));
  const v128_t magic = wasm_f32x4_splat(AGON_ROUND_MAGIC);
  v128_t t = wasm_f32x4_add(x, magic);
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_sub(t, magic));
  v128_t p = wasm_f32x4_add(wasm_f32x4_splat(0.009675541f), wasm_f32x4_mul(r, wasm_f32x4_splat(0.0013276472f)));
  p = wasm_f32x4_add(wasm_f32x4_splat(0.05550713f), wasm_f32x4_mul(r, p));
  p = wasm_f32x4_add(wasm_f32x4_splat(0.2402212f), wasm_f32x4_mul(r, p));
  p = wasm_f32x4_add(wasm_f32x4_splat(0.69314694f), wasm_f32x4_mul(r, p));
  p = wasm_f32x4_add(wasm_f32x4_splat(1.0000001f), wasm_f32x4_mul(r, p));
  return wasm_f32x4_mul(p, agon_pow2_of_rounded(t));
}

/* 1 / (1 + e^-x) per lane. */
static inline v128_t agon_sigmoidf4(v128_t x) {
  v128_t one = wasm_f32x4_splat(1.0f);
  return wasm_f32x4_div(one, wasm_f32x4_add(one, agon_expf4(wasm_f32x4_neg(x))));
}

#endif
