/*
 * Single-precision GEMM for agon's wasm kernels: C = act(op(A)·op(B) + bias), 128-bit SIMD.
 *
 * Freestanding (no libc): every buffer lives in the host's linear memory and is passed in by
 * pointer, including the packing scratch; nothing here uses the shadow stack or static data.
 * A is addressed as A[i*rsa + k*csa] and B as B[k*rsb + j*csb], so either side transposed is just
 * another pair of strides; packing copies panels into the layout the micro-kernel reads, so every
 * form runs the same inner loop. The reduction order over k is fixed by the blocking constants
 * below (not by the caller), so results are reproducible for a given shape.
 */
#include "common.h"
#include "act.h"

#define MR 4    /* rows of a micro-tile */
#define NR 8    /* columns of a micro-tile (two v128) */
#define KC 256  /* depth of a packed block */
#define MC 64   /* rows of a packed A block */
#define NC 256  /* columns of a packed B block */
#define SMALL_NC 512 /* columns of C one few-rows pass keeps in L1 */

/* Floats of scratch gemm_f32 needs: packed A block, packed B block and one edge tile. */
EXPORT("gemm_scratch_floats") int gemm_scratch_floats(void) { return MC * KC + KC * NC + MR * NR; }

/*
 * Four k-steps of four rows, transposed in registers: src rows r (stride ld) hold k..k+3;
 * dst[q*dstride + r] = src[r*ld + q] for q, r in 0..3.
 */
static inline void transpose4(const float *src, int ld, float *dst, int dstride) {
  v128_t r0 = wasm_v128_load(src), r1 = wasm_v128_load(src + ld);
  v128_t r2 = wasm_v128_load(src + 2 * ld), r3 = wasm_v128_load(src + 3 * ld);
  v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5);
  v128_t t2 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7), t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
  wasm_v128_store(dst, wasm_i32x4_shuffle(t0, t1, 0, 1, 4, 5));
  wasm_v128_store(dst + dstride, wasm_i32x4_shuffle(t0, t1, 2, 3, 6, 7));
  wasm_v128_store(dst + 2 * dstride, wasm_i32x4_shuffle(t2, t3, 0, 1, 4, 5));
  wasm_v128_store(dst + 3 * dstride, wasm_i32x4_shuffle(t2, t3, 2, 3, 6, 7));
}

/* Packs A[i0:i0+mc, p0:p0+kc] as ceil(mc/MR) panels, each kc columns of MR rows (zero-padded). */
static void pack_a(const float *a, int rsa, int csa, int mc, int kc, float *dst) {
  for (int i = 0; i < mc; i += MR) {
    int rows = mc - i < MR ? mc - i : MR;
    const float *src = a + i * rsa;
    if (csa == 1 && rows == MR) {
      int k = 0;
      for (; k + 4 <= kc; k += 4) {
        transpose4(src + k, rsa, dst, MR);
        dst += 4 * MR;
      }
      for (; k < kc; k++) {
        for (int r = 0; r < MR; r++) dst[r] = src[r * rsa + k];
        dst += MR;
      }
    } else if (rsa == 1 && rows == MR) {
      for (int k = 0; k < kc; k++) {
        wasm_v128_store(dst, wasm_v128_load(src + k * csa));
        dst += MR;
      }
    } else {
      for (int k = 0; k < kc; k++) {
        for (int r = 0; r < MR; r++) dst[r] = r < rows ? src[r * rsa + k * csa] : 0.0f;
        dst += MR;
      }
    }
  }
}

/* Packs B[p0:p0+kc, j0:j0+nc] as ceil(nc/NR) panels, each kc rows of NR columns (zero-padded). */
static void pack_b(const float *b, int rsb, int csb, int kc, int nc, float *dst) {
  for (int j = 0; j < nc; j += NR) {
    int cols = nc - j < NR ? nc - j : NR;
    const float *src = b + j * csb;
    if (csb == 1 && cols == NR) {
      for (int k = 0; k < kc; k++) {
        const float *s = src + k * rsb;
        wasm_v128_store(dst, wasm_v128_load(s));
        wasm_v128_store(dst + 4, wasm_v128_load(s + 4));
        dst += NR;
      }
    } else if (rsb == 1 && cols == NR) {
      int k = 0;
      for (; k + 4 <= kc; k += 4) {
        transpose4(src + k, csb, dst, NR);
        transpose4(src + 4 * csb + k, csb, dst + 4, NR);
        dst += 4 * NR;
      }
      for (; k < kc; k++) {
        for (int c = 0; c < NR; c++) dst[c] = src[c * csb + k];
        dst += NR;
      }
    } else {
      for (int k = 0; k < kc; k++) {
        for (int c = 0; c < NR; c++) dst[c] = c < cols ? src[c * csb + k * rsb] : 0.0f;
        dst += NR;
      }
    }
  }
}

/* Writes a 4×8 tile of sums to c (row stride ldc), added to what c holds when accumulate is set. */
static inline void store_tile(float *c, int ldc, int accumulate, v128_t c00, v128_t c01, v128_t c10, v128_t c11,
                              v128_t c20, v128_t c21, v128_t c30, v128_t c31) {
  if (accumulate) {
    c00 = wasm_f32x4_add(c00, wasm_v128_load(c)); c01 = wasm_f32x4_add(c01, wasm_v128_load(c + 4));
    c10 = wasm_f32x4_add(c10, wasm_v128_load(c + ldc)); c11 = wasm_f32x4_add(c11, wasm_v128_load(c + ldc + 4));
    c20 = wasm_f32x4_add(c20, wasm_v128_load(c + 2 * ldc)); c21 = wasm_f32x4_add(c21, wasm_v128_load(c + 2 * ldc + 4));
    c30 = wasm_f32x4_add(c30, wasm_v128_load(c + 3 * ldc)); c31 = wasm_f32x4_add(c31, wasm_v128_load(c + 3 * ldc + 4));
  }
  wasm_v128_store(c, c00); wasm_v128_store(c + 4, c01);
  wasm_v128_store(c + ldc, c10); wasm_v128_store(c + ldc + 4, c11);
  wasm_v128_store(c + 2 * ldc, c20); wasm_v128_store(c + 2 * ldc + 4, c21);
  wasm_v128_store(c + 3 * ldc, c30); wasm_v128_store(c + 3 * ldc + 4, c31);
}

/* c[MR x NR] (row stride ldc) = (accumulate ? c : 0) + packed A panel · packed B panel. */
static void micro(int kc, const float *pa, const float *pb, float *c, int ldc, int accumulate) {
  v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00;
  v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int k = 0; k < kc; k++) {
    v128_t b0 = wasm_v128_load(pb), b1 = wasm_v128_load(pb + 4);
    v128_t a0 = wasm_v128_load32_splat(pa), a1 = wasm_v128_load32_splat(pa + 1);
    c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(a0, b0));
    c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(a0, b1));
    c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(a1, b0));
    c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(a1, b1));
    v128_t a2 = wasm_v128_load32_splat(pa + 2), a3 = wasm_v128_load32_splat(pa + 3);
    c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(a2, b0));
    c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(a2, b1));
    c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(a3, b0));
    c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(a3, b1));
    pa += MR;
    pb += NR;
  }
  store_tile(c, ldc, accumulate, c00, c01, c10, c11, c20, c21, c30, c31);
}

/*
 * Few rows (m < MR): no packing. With B's rows contiguous (csb == 1) each C row is a sum of
 * scaled B rows; with B's columns contiguous (rsb == 1, i.e. B transposed) each entry is a dot
 * product along k. The k order is fixed (ascending, 4-lane partial sums for dots).
 */
static void gemm_small(int m, int n, int k, const float *a, int rsa, int csa, const float *b, int rsb, int csb, float *c) {
  if (csb == 1) {
    /* c row += a[i,p] · B row p, over column blocks of SMALL_NC so the C block stays in L1 while
       B is read row by row, sequentially. */
    for (int i = 0; i < m; i++) {
      float *ci = c + i * n;
      for (int j0 = 0; j0 < n; j0 += SMALL_NC) {
        int j1 = n - j0 < SMALL_NC ? n : j0 + SMALL_NC;
        for (int j = j0; j < j1; j++) ci[j] = 0.0f;
        for (int p = 0; p < k; p++) {
          float as = a[i * rsa + p * csa];
          v128_t av = wasm_f32x4_splat(as);
          const float *bp = b + p * rsb;
          int j = j0;
          for (; j + 8 <= j1; j += 8) {
            wasm_v128_store(ci + j, wasm_f32x4_add(wasm_v128_load(ci + j), wasm_f32x4_mul(av, wasm_v128_load(bp + j))));
            wasm_v128_store(ci + j + 4, wasm_f32x4_add(wasm_v128_load(ci + j + 4), wasm_f32x4_mul(av, wasm_v128_load(bp + j + 4))));
          }
          for (; j < j1; j++) ci[j] += as * bp[j];
        }
      }
    }
    return;
  }
  for (int i = 0; i < m; i++) {
    const float *ai = a + i * rsa;
    for (int j = 0; j < n; j++) {
      const float *bj = b + j * csb;
      float s;
      if (csa == 1 && rsb == 1) {
        v128_t s0 = wasm_f32x4_splat(0), s1 = s0;
        int p = 0;
        for (; p + 8 <= k; p += 8) {
          s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(ai + p), wasm_v128_load(bj + p)));
          s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_v128_load(ai + p + 4), wasm_v128_load(bj + p + 4)));
        }
        s0 = wasm_f32x4_add(s0, s1);
        s = (wasm_f32x4_extract_lane(s0, 0) + wasm_f32x4_extract_lane(s0, 1)) +
            (wasm_f32x4_extract_lane(s0, 2) + wasm_f32x4_extract_lane(s0, 3));
        for (; p < k; p++) s += ai[p] * bj[p];
      } else {
        s = 0;
        for (int p = 0; p < k; p++) s += ai[p * csa] * bj[p * rsb];
      }
      c[i * n + j] = s;
    }
  }
}

/*
 * micro() with A read in place (rows i..i+3 at a + r*rsa, k at stride csa) instead of from a
 * packed panel: the same products and additions in the same order, so the same bits.
 */
static void micro_direct(int kc, const float *a, int rsa, int csa, const float *pb, float *c, int ldc, int accumulate) {
  v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00;
  v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  const float *a0p = a, *a1p = a + rsa, *a2p = a + 2 * rsa, *a3p = a + 3 * rsa;
  for (int k = 0; k < kc; k++) {
    v128_t b0 = wasm_v128_load(pb), b1 = wasm_v128_load(pb + 4);
    v128_t a0 = wasm_v128_load32_splat(a0p), a1 = wasm_v128_load32_splat(a1p);
    c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(a0, b0));
    c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(a0, b1));
    c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(a1, b0));
    c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(a1, b1));
    v128_t a2 = wasm_v128_load32_splat(a2p), a3 = wasm_v128_load32_splat(a3p);
    c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(a2, b0));
    c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(a2, b1));
    c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(a3, b0));
    c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(a3, b1));
    a0p += csa; a1p += csa; a2p += csa; a3p += csa;
    pb += NR;
  }
  store_tile(c, ldc, accumulate, c00, c01, c10, c11, c20, c21, c30, c31);
}

/* Columns [j0, j1) of C [m, n] (row stride n) = op(A)·op(B), blocked and packed. */
static void gemm_cols(int m, int n, int k, const float *a, int rsa, int csa, const float *b, int rsb, int csb,
                      float *c, int j0, int j1, float *scratch) {
  float *pa = scratch, *pb = scratch + MC * KC, *edge = pb + KC * NC;
  for (int jc = j0; jc < j1; jc += NC) {
    int nc = j1 - jc < NC ? j1 - jc : NC;
    for (int pc = 0; pc < k; pc += KC) {
      int kc = k - pc < KC ? k - pc : KC;
      pack_b(b + pc * rsb + jc * csb, rsb, csb, kc, nc, pb);
      for (int ic = 0; ic < m; ic += MC) {
        int mc = m - ic < MC ? m - ic : MC;
        /* One panel of B (a narrow product, such as attention against a head of 8): each packed
           A value would be used for only NR products, so full row quads read A in place. */
        int narrow = nc <= NR;
        if (!narrow || mc % MR) pack_a(a + ic * rsa + pc * csa, rsa, csa, mc, kc, pa);
        for (int jr = 0; jr < nc; jr += NR) {
          int nr = nc - jr < NR ? nc - jr : NR;
          for (int ir = 0; ir < mc; ir += MR) {
            int mr = mc - ir < MR ? mc - ir : MR;
            float *ct = c + (ic + ir) * n + jc + jr;
            const float *ap = pa + ir * kc, *bp = pb + jr * kc;
            if (narrow && mr == MR && mc % MR == 0) {
              if (nr == NR) {
                micro_direct(kc, a + (ic + ir) * rsa + pc * csa, rsa, csa, bp, ct, n, pc > 0);
              } else {
                micro_direct(kc, a + (ic + ir) * rsa + pc * csa, rsa, csa, bp, edge, NR, 0);
                for (int r = 0; r < mr; r++)
                  for (int q = 0; q < nr; q++) ct[r * n + q] = (pc > 0 ? ct[r * n + q] : 0.0f) + edge[r * NR + q];
              }
            } else if (mr == MR && nr == NR) {
              micro(kc, ap, bp, ct, n, pc > 0);
            } else {
              micro(kc, ap, bp, edge, NR, 0);
              for (int r = 0; r < mr; r++)
                for (int q = 0; q < nr; q++) ct[r * n + q] = (pc > 0 ? ct[r * n + q] : 0.0f) + edge[r * NR + q];
            }
          }
        }
      }
    }
  }
}

/*
 * C [m, n] = act(op(A) · op(B) + bias) for columns [j0, j1), C's row stride n.
 * bias/prelu: pointer or 0, addressed [i*rs + j*cs] (strides 0 broadcast). act: see act.h.
 * Entries of a column range do not depend on the range, so a split over columns gives the same
 * bits as one call. scratch: gemm_scratch_floats() floats.
 */
EXPORT("gemm_f32") void gemm_f32(int m, int n, int k, const float *a, int rsa, int csa, const float *b, int rsb, int csb, float *c,
              const float *bias, int bias_rs, int bias_cs, int act, float alpha, const float *prelu, int prelu_rs,
              int prelu_cs, int j0, int j1, float *scratch) {
  if (k == 0) {
    for (int i = 0; i < m; i++)
      for (int j = j0; j < j1; j++) c[i * n + j] = 0.0f;
  } else if (m < MR) {
    /* gemm_small writes a dense [m, j1-j0] block: point it at column j0 with row stride n. */
    for (int i = 0; i < m; i++) gemm_small(1, j1 - j0, k, a + i * rsa, rsa, csa, b + j0 * csb, rsb, csb, c + i * n + j0);
  } else {
    gemm_cols(m, n, k, a, rsa, csa, b, rsb, csb, c, j0, j1, scratch);
  }
  if (bias || act != ACT_LINEAR) epilogue(c, m, n, j0, j1, bias, bias_rs, bias_cs, act, alpha, prelu, prelu_rs, prelu_cs);
}
