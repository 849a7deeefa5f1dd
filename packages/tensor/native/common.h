/* Shared by agon's wasm kernel sources. */
#ifndef AGON_COMMON_H
#define AGON_COMMON_H
#include <wasm_simd128.h>

/* Marks a function the JavaScript side calls (exported from the module under this name). */
#define EXPORT(name) __attribute__((export_name(name)))

/* The first `n` (1..3) floats at p as a vector, the other lanes 0. */
static inline v128_t agon_load_partial(const float *p, int n) {
  return wasm_f32x4_make(p[0], n > 1 ? p[1] : 0.0f, n > 2 ? p[2] : 0.0f, 0.0f);
}

/* Stores the first `n` (1..3) lanes of v at p. */
static inline void agon_store_partial(float *p, v128_t v, int n) {
  p[0] = wasm_f32x4_extract_lane(v, 0);
  if (n > 1) p[1] = wasm_f32x4_extract_lane(v, 1);
  if (n > 2) p[2] = wasm_f32x4_extract_lane(v, 2);
}

#endif
