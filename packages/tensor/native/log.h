/* Natural log in float64 for the kernels' row sums (no libm here). */
#ifndef AGON_LOG_H
#define AGON_LOG_H

/* Natural log for the row sums (≥ 1 after the max shift): frexp-style split and atanh series. */
static inline double agon_log(double x) {
  union { double d; unsigned long long u; } b = { x };
  int e = (int)((b.u >> 52) & 0x7ff) - 1023;
  b.u = (b.u & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL; /* mantissa in [1, 2) */
  double m = b.d;
  if (m > 1.4142135623730951) { m *= 0.5; e += 1; }
  double s = (m - 1) / (m + 1), s2 = s * s, term = s, acc = 0;
  for (int k = 1; k < 40; k += 2) { acc += term / k; term *= s2; }
  return 2 * acc + e * 0.6931471805599453;
}

#endif
