/*
 * The gradient of softmax over the last axis for agon's wasm kernels, 128-bit SIMD:
 * dx = y·(dy − Σ dy·y) per row of n, one pass for the sum and one for dx (tfjs' form is four
 * elementwise ops and a reduction, each a pass over the [B, H, T, Tk] scores).
 */
#include "common.h"

EXPORT("softmax_grad_f32") void softmax_grad_f32(int rows, int n, const float *dy, const float *y, float *dx) {
  for (int r = 0; r < rows; r++) {
    const float *a = dy + (long)r * n, *b = y + (long)r * n;
    float *o = dx + (long)r * n;
    v128_t acc0 = wasm_f32x4_splat(0), acc1 = wasm_f32x4_splat(0);
    int j = 0;
    for (; j + 8 <= n; j += 8) {
      acc0 = wasm_f32x4_add(acc0, wasm_f32x4_mul(wasm_v128_load(a + j), wasm_v128_load(b + j)));
      acc1 = wasm_f32x4_add(acc1, wasm_f32x4_mul(wasm_v128_load(a + j + 4), wasm_v128_load(b + j + 4)));
    }
    v128_t acc = wasm_f32x4_add(acc0, acc1);
    for (; j + 4 <= n; j += 4) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(a + j), wasm_v128_load(b + j)));
    float s = (wasm_f32x4_extract_lane(acc, 0) + wasm_f32x4_extract_lane(acc, 1)) +
              (wasm_f32x4_extract_lane(acc, 2) + wasm_f32x4_extract_lane(acc, 3));
    for (; j < n; j++) s += a[j] * b[j];
    v128_t vs = wasm_f32x4_splat(s);
    for (j = 0; j + 4 <= n; j += 4) {
      wasm_v128_store(o + j, wasm_f32x4_mul(wasm_v128_load(b + j), wasm_f32x4_sub(wasm_v128_load(a + j), vs)));
    }
    for (; j < n; j++) o[j] = b[j] * (a[j] - s);
  }
}
