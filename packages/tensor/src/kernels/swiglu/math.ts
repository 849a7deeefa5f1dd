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

/**
 * The packed form: each row of `gu` [rows, 2F] holds F gate values then F up values; y is
 * [rows, F]. Row by row through {@link swiGluForward}.
 *
 * @example
 * ```ts
 * const y = new Float32Array(1);
 * swiGluPackedForward(new Float32Array([0, 5]), 1, y); // y[0] = 0
 * ```
 */
export function swiGluPackedForward(gu: Float32Array, F: number, y: Float32Array): void {
  for (let r = 0; r * F < y.length; r++) {
    const at = 2 * r * F;
    swiGluForward(gu.subarray(at, at + F), gu.subarray(at + F, at + 2 * F), y.subarray(r * F, (r + 1) * F));
  }
}

/**
 * dgu [rows, 2F] (dgate then dup in each row) of {@link swiGluPackedForward}, through
 * {@link swiGluBackward}.
 *
 * @example
 * ```ts
 * swiGluPackedBackward(dy, gu, F, dgu);
 * ```
 */
export function swiGluPackedBackward(dy: Float32Array, gu: Float32Array, F: number, dgu: Float32Array): void {
  for (let r = 0; r * F < dy.length; r++) {
    const at = 2 * r * F;
    const [g, u] = [gu.subarray(at, at + F), gu.subarray(at + F, at + 2 * F)];
    swiGluBackward(dy.subarray(r * F, (r + 1) * F), g, u, dgu.subarray(at, at + F), dgu.subarray(at + F, at + 2 * F));
  }
}
