/**
 * LayerNorm over rows of width D on host float32 arrays, sums in float64: the forward keeps each
 * row's mean and reciprocal standard deviation, all the backward needs besides x, w and dy.
 */

/**
 * y = (x − mean)·rstd·w + b with rstd = 1/√(var + ε) (biased variance), row by row; writes y,
 * mean and rstd.
 *
 * @example
 * ```ts
 * const y = new Float32Array(2), mean = new Float32Array(1), rstd = new Float32Array(1);
 * layerNormForward(new Float32Array([1, 3]), new Float32Array([1, 1]), new Float32Array([0, 0]), 2, 0, y, mean, rstd); // y = [-1, 1]
 * ```
 */
export function layerNormForward(
  x: Float32Array, w: Float32Array, b: Float32Array, D: number, eps: number,
  y: Float32Array, mean: Float32Array, rstd: Float32Array,
): void {
  for (let r = 0; r < mean.length; r++) {
    const o = r * D;
    let s = 0;
    for (let j = 0; j < D; j++) s += x[o + j];
    const mu = s / D;
    let ss = 0;
    for (let j = 0; j < D; j++) ss += (x[o + j] - mu) * (x[o + j] - mu);
    const inv = 1 / Math.sqrt(ss / D + eps);
    mean[r] = mu;
    rstd[r] = inv;
    for (let j = 0; j < D; j++) y[o + j] = (x[o + j] - mu) * inv * w[j] + b[j];
  }
}

/**
 * Gradients of Σ dy·y: with x̂ = (x − mean)·rstd and g = dy·w,
 * dx = rstd·(g − mean(g) − x̂·mean(g·x̂)), dw = Σ_rows dy·x̂, db = Σ_rows dy.
 *
 * @example
 * ```ts
 * layerNormBackward(dy, x, w, mean, rstd, D, dx, dw, db);
 * ```
 */
export function layerNormBackward(
  dy: Float32Array, x: Float32Array, w: Float32Array, mean: Float32Array, rstd: Float32Array, D: number,
  dx: Float32Array, dw: Float32Array, db: Float32Array,
): void {
  const dwAcc = new Float64Array(D);
  const dbAcc = new Float64Array(D);
  for (let r = 0; r < mean.length; r++) {
    const o = r * D;
    const mu = mean[r];
    const inv = rstd[r];
    let sg = 0;
    let sgx = 0;
    for (let j = 0; j < D; j++) {
      const g = dy[o + j] * w[j];
      const xh = (x[o + j] - mu) * inv;
      sg += g;
      sgx += g * xh;
      dwAcc[j] += dy[o + j] * xh;
      dbAcc[j] += dy[o + j];
    }
    const mg = sg / D;
    const mgx = sgx / D;
    for (let j = 0; j < D; j++) dx[o + j] = inv * (dy[o + j] * w[j] - mg - (x[o + j] - mu) * inv * mgx);
  }
  for (let j = 0; j < D; j++) {
    dw[j] = dwAcc[j];
    db[j] = dbAcc[j];
  }
}
