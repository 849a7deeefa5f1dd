/*
 * LayerNorm over rows of width d for agon's wasm kernels, 128-bit SIMD: forward y and each row's
 * mean and rstd (all the backward needs besides x and w), backward dx and the weight and bias
 * gradients summed over rows. The variance is taken about the row's mean (two passes), biased
 * (over d). Row sums run in four float32 lanes, combined in a fixed order (rowsum.h), so every
 * row's result depends only on that row.
 */
#include "common.h"
#include "rowsum.h"

/* y = (x − mean)·rstd·w + b, rstd = 1/√(mean((x − mean)²) + eps). */
EXPORT("layernorm_f32") void layernorm_f32(int rows, int d, const float *x, const float *w, const float *b, float eps, float *y, float *mean, float *rstd) {
  for (int r = 0; r < rows; r++) {
    const float *xr = x + (long)r * d;
    float *yr = y + (long)r * d;
    float mu = agon_total(xr, d) / d;
    v128_t vm = wasm_f32x4_splat(mu), acc = wasm_f32x4_splat(0);
    int j = 0;
    for (; j + 4 <= d; j += 4) {
      v128_t c = wasm_f32x4_sub(wasm_v128_load(xr + j), vm);
      acc = wasm_f32x4_add(acc, wasm_f32x4_mul(c, c));
    }
    float ss = agon_hsum(acc);
    for (; j < d; j++) ss += (xr[j] - mu) * (xr[j] - mu);
    float inv = 1.0f / __builtin_sqrtf(ss / d + eps);
    mean[r] = mu;
    rstd[r] = inv;
    v128_t vi = wasm_f32x4_splat(inv);
    for (j = 0; j + 4 <= d; j += 4) {
      v128_t xh = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(xr + j), vm), vi);
      wasm_v128_store(yr + j, wasm_f32x4_add(wasm_f32x4_mul(xh, wasm_v128_load(w + j)), wasm_v128_load(b + j)));
    }
    for (; j < d; j++) yr[j] = (xr[j] - mu) * inv * w[j] + b[j];
  }
}

/*
 * With x̂ = (x − mean)·rstd and g = dy·w: dx = rstd·(g − mean(g) − x̂·mean(g·x̂)),
 * dw = Σ_rows dy·x̂, db = Σ_rows dy (dw and db overwritten).
 */
EXPORT("layernorm_grad_f32") void layernorm_grad_f32(int rows, int d, const float *dy, const float *x, const float *w, const float *mean, const float *rstd,
                                                     float *dx, float *dw, float *db) {
  for (int j = 0; j < d; j++) dw[j] = db[j] = 0.0f;
  for (int r = 0; r < rows; r++) {
    const float *dyr = dy + (long)r * d, *xr = x + (long)r * d;
    float *dxr = dx + (long)r * d;
    float mu = mean[r], inv = rstd[r];
    v128_t vm = wasm_f32x4_splat(mu), vi = wasm_f32x4_splat(inv);
    v128_t accg = wasm_f32x4_splat(0), accgx = wasm_f32x4_splat(0);
    int j = 0;
    for (; j + 4 <= d; j += 4) {
      v128_t dyv = wasm_v128_load(dyr + j);
      v128_t xh = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(xr + j), vm), vi);
      v128_t g = wasm_f32x4_mul(dyv, wasm_v128_load(w + j));
      accg = wasm_f32x4_add(accg, g);
      accgx = wasm_f32x4_add(accgx, wasm_f32x4_mul(g, xh));
      wasm_v128_store(dw + j, wasm_f32x4_add(wasm_v128_load(dw + j), wasm_f32x4_mul(dyv, xh)));
      wasm_v128_store(db + j, wasm_f32x4_add(wasm_v128_load(db + j), dyv));
    }
    float sg = agon_hsum(accg), sgx = agon_hsum(accgx);
    for (; j < d; j++) {
      float xh = (xr[j] - mu) * inv, g = dyr[j] * w[j];
      sg += g;
      sgx += g * xh;
      dw[j] += dyr[j] * xh;
      db[j] += dyr[j];
    }
    float mg = sg / d, mgx = sgx / d;
    v128_t vmg = wasm_f32x4_splat(mg), vmgx = wasm_f32x4_splat(mgx);
    for (j = 0; j + 4 <= d; j += 4) {
      v128_t xh = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(xr + j), vm), vi);
      v128_t g = wasm_f32x4_mul(wasm_v128_load(dyr + j), wasm_v128_load(w + j));
      wasm_v128_store(dxr + j, wasm_f32x4_mul(vi, wasm_f32x4_sub(wasm_f32x4_sub(g, vmg), wasm_f32x4_mul(xh, vmgx))));
    }
    for (; j < d; j++) dxr[j] = inv * (dyr[j] * w[j] - mg - (xr[j] - mu) * inv * mgx);
  }
}
