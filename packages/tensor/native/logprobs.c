/*
 * Log-softmax, target gather and entropy over rows of V logits for agon's wasm kernels, 128-bit
 * SIMD with float64 row sums: forward lp, entropy and log-sum-exp per row, and d(logits) of
 * Σ dLp·lp + Σ dEnt·entropy + Σ dLogZ·logZ. A −∞ logit has probability 0 and contributes nothing
 * (the exp polynomial clamps its input, so −∞ lanes are masked rather than trusted to give 0).
 * Targets are checked by the caller.
 */
#include "common.h"
#include "vexp.h"
#include "log.h"

static inline v128_t neg_inf_mask(v128_t x) { return wasm_f32x4_eq(x, wasm_f32x4_splat(-__builtin_inff())); }

/* Adds the four lanes of v to acc in float64. */
static inline v128_t add_f64(v128_t acc, v128_t v) {
  acc = wasm_f64x2_add(acc, wasm_f64x2_promote_low_f32x4(v));
  return wasm_f64x2_add(acc, wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 0, 1)));
}

static inline double sum_f64(v128_t acc) { return wasm_f64x2_extract_lane(acc, 0) + wasm_f64x2_extract_lane(acc, 1); }

EXPORT("token_logprobs_f32")
void token_logprobs_f32(int N, int V, const float *z, const int *targets, float *lp, float *ent, float *logZ) {
  const v128_t ninf = wasm_f32x4_splat(-__builtin_inff());
  for (int n = 0; n < N; n++) {
    const float *row = z + (long)n * V;
    v128_t mx = ninf;
    int j = 0;
    for (; j + 4 <= V; j += 4) mx = wasm_f32x4_pmax(mx, wasm_v128_load(row + j));
    mx = wasm_f32x4_pmax(mx, wasm_i32x4_shuffle(mx, mx, 2, 3, 0, 1));
    mx = wasm_f32x4_pmax(mx, wasm_i32x4_shuffle(mx, mx, 1, 0, 3, 2));
    float max = wasm_f32x4_extract_lane(mx, 0);
    for (; j < V; j++) if (row[j] > max) max = row[j];
    v128_t vmax = wasm_f32x4_splat(max), se = wasm_f64x2_splat(0), sz = wasm_f64x2_splat(0);
    for (j = 0; j + 4 <= V; j += 4) {
      v128_t x = wasm_v128_load(row + j), hidden = neg_inf_mask(x);
      v128_t t = wasm_f32x4_sub(x, vmax);
      v128_t e = wasm_v128_andnot(agon_expf4(t), hidden);
      se = add_f64(se, e);
      sz = add_f64(sz, wasm_v128_andnot(wasm_f32x4_mul(e, t), hidden));
    }
    double sum = sum_f64(se), szs = sum_f64(sz);
    for (; j < V; j++) {
      if (row[j] == -__builtin_inff()) continue;
      float t = row[j] - max;
      float e = wasm_f32x4_extract_lane(agon_expf4(wasm_f32x4_splat(t)), 0);
      sum += e;
      szs += (double)e * t;
    }
    double ls = agon_log(sum);
    logZ[n] = (float)(max + ls);
    lp[n] = (float)((double)row[targets[n]] - max - ls);
    ent[n] = (float)(ls - szs / sum);
  }
}

/* g = p·(dLogZ − dLp − (log p + H)·dEnt), plus dLp at the target; dLogZ may be 0 (none). */
EXPORT("token_logprobs_grad_f32")
void token_logprobs_grad_f32(int N, int V, const float *z, const int *targets, const float *logZ, const float *ent,
                             const float *dLp, const float *dEnt, const float *dLogZ, float *g) {
  for (int n = 0; n < N; n++) {
    const float *row = z + (long)n * V;
    float *out = g + (long)n * V;
    const float a = dLp[n], b = dEnt[n], c = dLogZ ? dLogZ[n] : 0.0f;
    const v128_t L = wasm_f32x4_splat(logZ[n]), H = wasm_f32x4_splat(ent[n]);
    const v128_t vb = wasm_f32x4_splat(b), cma = wasm_f32x4_splat(c - a);
    int j = 0;
    for (; j + 4 <= V; j += 4) {
      v128_t x = wasm_v128_load(row + j), hidden = neg_inf_mask(x);
      v128_t logp = wasm_f32x4_sub(x, L);
      v128_t p = agon_expf4(logp);
      v128_t r = wasm_f32x4_mul(p, wasm_f32x4_sub(cma, wasm_f32x4_mul(wasm_f32x4_add(logp, H), vb)));
      wasm_v128_store(out + j, wasm_v128_andnot(r, hidden));
    }
    for (; j < V; j++) {
      if (row[j] == -__builtin_inff()) { out[j] = 0; continue; }
      float logp = row[j] - logZ[n];
      float p = wasm_f32x4_extract_lane(agon_expf4(wasm_f32x4_splat(logp)), 0);
      out[j] = p * ((c - a) - (logp + ent[n]) * b);
    }
    out[targets[n]] += a;
  }
}
