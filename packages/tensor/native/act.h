/* Activation epilogues shared by the wasm kernels, and the expf they need (no libm here). */
#ifndef AGON_ACT_H
#define AGON_ACT_H

enum { ACT_LINEAR = 0, ACT_RELU = 1, ACT_RELU6 = 2, ACT_LEAKYRELU = 3, ACT_PRELU = 4, ACT_SIGMOID = 5, ACT_ELU = 6 };

/*
 * e^x in float32: x = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in two for exactness), e^r by a
 * degree-6 Taylor polynomial (error < 2e-8 relative on that interval), 2^n built in the exponent
 * bits. Saturates to 0 below -103.97 and to +inf above 88.73; NaN propagates.
 */
static inline float agon_expf(float x) {
  if (x != x) return x;
  if (x > 88.7228393f) return __builtin_inff();
  if (x < -103.972084f) return 0.0f;
  float fn = __builtin_rintf(x * 1.44269504f);
  float r = (x - fn * 0.693145752f) - fn * 1.42860677e-6f;
  float p = 1.0f + r * (1.0f + r * (0.5f + r * (0.166666672f + r * (0.0416666679f + r * (0.00833333377f + r * 0.00138888892f)))));
  int n = (int)fn;
  /* 2^n may be subnormal or overflow as one factor: apply it in two halves. */
  int n1 = n / 2, n2 = n - n1;
  union { unsigned u; float f; } s1 = { (unsigned)(n1 + 127) << 23 }, s2 = { (unsigned)(n2 + 127) << 23 };
  return p * s1.f * s2.f;
}

static inline float activate(float v, int act, float alpha, float slope) {
  switch (act) {
    case ACT_RELU: return v > 0 ? v : 0;
    case ACT_RELU6: return v < 0 ? 0 : (v > 6 ? 6 : v);
    case ACT_LEAKYRELU: return v < 0 ? alpha * v : v;
    case ACT_PRELU: return v < 0 ? slope * v : v;
    case ACT_SIGMOID: return 1.0f / (1.0f + agon_expf(-v));
    case ACT_ELU: return v < 0 ? agon_expf(v) - 1.0f : v;
    default: return v;
  }
}

/* c[i*n + j] = activate(c + bias) over rows [0, m) and columns [j0, j1). */
static void epilogue(float *c, int m, int n, int j0, int j1, const float *bias, int bias_rs, int bias_cs, int act,
                     float alpha, const float *prelu, int prelu_rs, int prelu_cs) {
  for (int i = 0; i < m; i++) {
    for (int j = j0; j < j1; j++) {
      float v = c[i * n + j];
      if (bias) v += bias[i * bias_rs + j * bias_cs];
      c[i * n + j] = activate(v, act, alpha, prelu ? prelu[i * prelu_rs + j * prelu_cs] : 0.0f);
    }
  }
}

#endif
