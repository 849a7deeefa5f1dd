/**
 * RMSNorm over rows of width D on host float32 arrays, sums in float64: the forward keeps each
 * row's reciprocal RMS for the backward, which needs no other saved tensor.
 */

/**
 * y = x · rstd · w with rstd = 1/√(mean(x²) + ε), row by row; writes y and rstd.
 *
 * @example
 * ```ts
 * const y = new Float32Array(2), rstd = new Float32Array(1);
 * rmsNormForward(new Float32Array([3, 4]), new Float32Array([1, 1]), 2, 0, y, rstd); // rstd[0] = 1/√12.5
 * ```
 */
export function rmsNormForward(x: Float32Array, w: Float32Array, D: number, eps: number, y: Float32Array, rstd: Float32Array): void {
  const rows = rstd.length;
  for (let r = 0; r < rows; r++) {
    const o = r * D;
    let ss = 0;
    for (let j = 0; j < D; j++) ss += x[o + j] * x[o + j];
    const inv = 1 / Math.sqrt(ss / D + eps);
    rstd[r] = inv;
    for (let j = 0; j < D; j++) y[o + j] = x[o + j] * inv * w[j];
  }
}

/**
 * Gradients of Σ dy·y: with g = dy·w, dx = rstd·(g − x·rstd²·mean(g·x)) and dw = Σ_rows dy·x·rstd.
 *
 * @example
 * ```ts
 * rmsNormBackward(dy, x, w, rstd, D, dx, dw);
 * ```
 */
export function rmsNormBackward(dy: Float32Array, x: Float32Array, w: Float32Array, rstd: Float32Array, D: number, dx: Float32Array, dw: Float32Array): void {
  const rows = rstd.length;
  const dwAcc = new Float64Array(D);
  for (let r = 0; r < rows; r++) {
    const o = r * D;
    const inv = rstd[r];
    let gx = 0;
    for (let j = 0; j < D; j++) gx += dy[o + j] * w[j] * x[o + j];
    const c = (inv * inv * gx) / D;
    for (let j = 0; j < D; j++) {
      dx[o + j] = inv * (dy[o + j] * w[j] - x[o + j] * c);
      dwAcc[j] += dy[o + j] * x[o + j] * inv;
    }
  }
  for (let j = 0; j < D; j++) dw[j] = dwAcc[j];
}
