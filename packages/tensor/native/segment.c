/*
 * UnsortedSegmentSum over rows for agon's wasm kernels, 128-bit SIMD: out [segments, width] is
 * zero-filled, then each of `rows` rows of x [rows, width] is added to the row of its segment id,
 * in row order (ids outside [0, segments) are skipped). Each output element is therefore the
 * sequential float32 (or wrapping int32) sum of its rows in index order.
 */
#include "common.h"

EXPORT("segment_sum_f32") void segment_sum_f32(int rows, int width, const float *x, const int *ids, int segments, float *out) {
  long total = (long)segments * width;
  long k = 0;
  v128_t zero = wasm_f32x4_splat(0.0f);
  for (; k + 4 <= total; k += 4) wasm_v128_store(out + k, zero);
  for (; k < total; k++) out[k] = 0.0f;
  for (int r = 0; r < rows; r++) {
    int s = ids[r];
    if (s < 0 || s >= segments) continue;
    const float *src = x + (long)r * width;
    float *dst = out + (long)s * width;
    int c = 0;
    for (; c + 4 <= width; c += 4) wasm_v128_store(dst + c, wasm_f32x4_add(wasm_v128_load(dst + c), wasm_v128_load(src + c)));
    for (; c < width; c++) dst[c] += src[c];
  }
}

EXPORT("segment_sum_i32") void segment_sum_i32(int rows, int width, const int *x, const int *ids, int segments, int *out) {
  long total = (long)segments * width;
  long k = 0;
  v128_t zero = wasm_i32x4_splat(0);
  for (; k + 4 <= total; k += 4) wasm_v128_store(out + k, zero);
  for (; k < total; k++) out[k] = 0;
  for (int r = 0; r < rows; r++) {
    int s = ids[r];
    if (s < 0 || s >= segments) continue;
    const int *src = x + (long)r * width;
    int *dst = out + (long)s * width;
    int c = 0;
    for (; c + 4 <= width; c += 4) wasm_v128_store(dst + c, wasm_i32x4_add(wasm_v128_load(dst + c), wasm_v128_load(src + c)));
    /* Unsigned arithmetic: int32 overflow wraps (as tfjs' Int32Array stores do) without undefined behaviour. */
    for (; c < width; c++) dst[c] = (int)((unsigned)dst[c] + (unsigned)src[c]);
  }
}
