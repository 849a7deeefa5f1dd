/*
 * RMSNorm over rows of width d for agon's wasm kernels, 128-bit SIMD: forward y and each row's
 * rstd (all the backward needs besides x and w), backward dx and the weight gradient summed over
 * rows. Row sums run in four float32 lanes, combined in a fixed order (rowsum.h), so every row's
 * result depends only on that row.
 */
#include "common.h"
#include "rowsum.h"

/* y = x·rstd·w, rstd = 1/√(mean(x²) + eps). */
EXPORT("rmsnorm_f32") void rmsnorm_f32(int rows, int d, const float *x, const float *w, float eps, float *y, float *rstd) {
  for (int r = 0; r < rows; r++) {
    const float *xr = x + (long)r * d;
    float *yr = y + (long)r * d;
    float inv = 1.0f / __builtin_sqrtf(agon_dot(xr, xr, d) / d + eps);
    rstd[r] = inv;
    v128_t vi = wasm_f32x4_splat(inv);
    int j = 0;
    for (; j + 4 <= d; j += 4) wasm_v128_store(yr + j, wasm_f32x4_mul(wasm_f32x4_mul(wasm_v128_load(xr + j), vi), wasm_v128_load(w + j)));
    for (; j < d; j++) yr[j] = xr[j] * inv * w[j];
  }
}

/* dx = rstd·(dy·w − x·rstd²·mean(dy·w·x)); dw = Σ_rows dy·x·rstd (dw overwritten). */
EXPORT("rmsnorm_grad_f32") void rmsnorm_grad_f32(int rows, int d, const float *dy, const float *x, const float *w, const float *rstd, float *dx, float *dw) {
  for (int j = 0; j < d; j++) dw[j] = 0.0f;
  for (int r = 0; r < rows; r++) {
    const float *dyr = dy + (long)r * d, *xr = x + (long)r * d;
    float *dxr = dx + (long)r * d;
    float inv = rstd[r];
    v128_t acc = wasm_f32x4_splat(0);
    int j = 0;
    for (; j + 4 <= d; j += 4)
      acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_mul(wasm_v128_load(dyr + j), wasm_v128_load(w + j)), wasm_v128_load(xr + j)));
    float gx = agon_hsum(acc);
    for (; j < d; j++) gx += dyr[j] * w[j] * xr[j];
    float c = inv * inv * gx / d;
    v128_t vi = wasm_f32x4_splat(inv), vc = wasm_f32x4_splat(c);
    for (j = 0; j + 4 <= d; j += 4) {
      v128_t dyv = wasm_v128_load(dyr + j), xv = wasm_v128_load(xr + j);
      wasm_v128_store(dxr + j, wasm_f32x4_mul(vi, wasm_f32x4_sub(wasm_f32x4_mul(dyv, wasm_v128_load(w + j)), wasm_f32x4_mul(xv, vc))));
      wasm_v128_store(dw + j, wasm_f32x4_add(wasm_v128_load(dw + j), wasm_f32x4_mul(wasm_f32x4_mul(dyv, xv), vi)));
    }
    for (; j < d; j++) {
      dxr[j] = inv * (dyr[j] * w[j] - xr[j] * c);
      dw[j] += dyr[j] * xr[j] * inv;
    }
  }
}
