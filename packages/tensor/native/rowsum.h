/* Row sums in four float32 lanes, combined in a fixed order, for agon's row-wise wasm kernels. */
#ifndef AGON_ROWSUM_H
#define AGON_ROWSUM_H
#include <wasm_simd128.h>

/* (lane 0 + lane 1) + (lane 2 + lane 3): the fixed order every row sum ends with. */
static inline float agon_hsum(v128_t acc) {
  return (wasm_f32x4_extract_lane(acc, 0) + wasm_f32x4_extract_lane(acc, 1)) + (wasm_f32x4_extract_lane(acc, 2) + wasm_f32x4_extract_lane(acc, 3));
}

/* Σ over d floats of p[j]·q[j], four lanes then the tail in order. */
static inline float agon_dot(const float *p, const float *q, int d) {
  v128_t acc = wasm_f32x4_splat(0);
  int j = 0;
  for (; j + 4 <= d; j += 4) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(p + j), wasm_v128_load(q + j)));
  float s = agon_hsum(acc);
  for (; j < d; j++) s += p[j] * q[j];
  return s;
}

/* Σ over d floats of p[j], four lanes then the tail in order. */
static inline float agon_total(const float *p, int d) {
  v128_t acc = wasm_f32x4_splat(0);
  int j = 0;
  for (; j + 4 <= d; j += 4) acc = wasm_f32x4_add(acc, wasm_v128_load(p + j));
  float s = agon_hsum(acc);
  for (; j < d; j++) s += p[j];
  return s;
}

#endif
