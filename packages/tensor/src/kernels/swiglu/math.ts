/**
 * SwiGLU's elementwise part on host float32 arrays, each element in float64: y = silu(g)·u =
 * g·σ(g)·u, and its gradient (the cpu backend's kernels; wasm runs native/swiglu.c).
 */

/**
 * y[i] = g[i]·σ(g[i])·u[i].
 *
 * @example
 * ```ts
 * const y = new Float32Array(1);
 * swiGluForward(new Float32Array([0]), new Float32Array([5]), y); // y[0] = 0
 * ```
 */
export function swiGluForward(g: Float32Array, u: Float32Array, y: Float32Array): void {
  for (let i = 0; i < y.length; i++) {
    const gi = g[i];
    y[i] = (gi / (1 + Math.exp(-gi))) * u[i];
  }
}

/**
 * With s = σ(g): dg = dy·u·s·(1 + g·(1 − s)), du = dy·g·s.
 *
 * @example
 * ```ts
 * swiGluBackward(dy, g, u, dg, du);
 * ```
 */
export function swiGluBackward(dy: Float32Array, g: Float32Array, u: Float32Array, dg: Float32Array, du: Float32Array): void {
  for (let i = 0; i < dg.length; i++) {
    const gi = g[i];
    const s = 1 / (1 + Math.exp(-gi));
    du[i] = dy[i] * gi * s;
    dg[i] = dy[i] * u[i] * s * (1 + gi * (1 - s));
  }
}
