/* Natural log in float64 for the kernels' row sums (no libm here). */
#ifndef AGON_LOG_H
#define AGON_LOG_H

/*
 * Natural log for the row sums (≥ 1 after the max shift): x = m·2^e with m in [√½, √2), then
 * log m = 2·atanh(s), s = (m − 1)/(m + 1), |s| ≤ 0.172, by its series to s^23 (the next term is
 * below 1e-19 of the sum), evaluated by Horner's rule so no division runs per term.
 */
static inline double agon_log(double x) {
  union { double d; unsigned long long u; } b = { x };
  int e = (int)((b.u >> 52) & 0x7ff) - 1023;
  b.u = (b.u & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL; /* mantissa in [1, 2) */
  double m = b.d;
  if (m > 1.4142135623730951) { m *= 0.5; e += 1; }
  double s = (m - 1) / (m + 1), s2 = s * s;
  double p = 1.0 / 23;
  p = 1.0 / 21 + s2 * p; p = 1.0 / 19 + s2 * p; p = 1.0 / 17 + s2 * p; p = 1.0 / 15 + s2 * p;
  p = 1.0 / 13 + s2 * p; p = 1.0 / 11 + s2 * p; p = 1.0 / 9 + s2 * p; p = 1.0 / 7 + s2 * p;
  p = 1.0 / 5 + s2 * p; p = 1.0 / 3 + s2 * p; p = 1.0 + s2 * p;
  return 2 * s * p + e * 0.6931471805599453;
}

#endif
