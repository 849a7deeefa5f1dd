/**
 * GELU on host float32 arrays, each element in float64 (the cpu backend's kernels; wasm runs
 * native/gelu.c): the tanh form ½x(1 + tanh(√(2/π)(x + 0.044715x³))) and the exact form
 * ½x(1 + erf(x/√2)), erf by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7, as tfjs' Erf kernels).
 */

/** 'tanh': GPT-2's gelu_new / gelu_pytorch_tanh; 'exact': x·Φ(x). */
export type GeluForm = 'tanh' | 'exact';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const C = 0.044715;

/**
 * erf(z) by Abramowitz & Stegun 7.1.26.
 *
 * @example
 * ```ts
 * erfApprox(1); // ≈ 0.8427008
 * ```
 */
export function erfApprox(z: number): number {
  const a = Math.abs(z);
  const t = 1 / (1 + 0.3275911 * a);
  const p = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const r = 1 - p * Math.exp(-a * a);
  return z < 0 ? -r : r;
}

/**
 * y = GELU(x) elementwise.
 *
 * @example
 * ```ts
 * const y = new Float32Array(1);
 * geluForward(new Float32Array([1]), 'exact', y); // y[0] ≈ 0.8413
 * ```
 */
export function geluForward(x: Float32Array, form: GeluForm, y: Float32Array): void {
  for (let i = 0; i < y.length; i++) {
    const v = x[i];
    const s = form === 'exact' ? erfApprox(v * Math.SQRT1_2) : Math.tanh(SQRT_2_OVER_PI * (v + C * v * v * v));
    y[i] = 0.5 * v * (1 + s);
  }
}

/**
 * dx = dy·GELU'(x): tanh form ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²); exact form
 * Φ(x) + x·φ(x).
 *
 * @example
 * ```ts
 * geluBackward(dy, x, 'tanh', dx);
 * ```
 */
export function geluBackward(dy: Float32Array, x: Float32Array, form: GeluForm, dx: Float32Array): void {
  for (let i = 0; i < dx.length; i++) {
    const v = x[i];
    let d: number;
    if (form === 'exact') {
      d = 0.5 * (1 + erfApprox(v * Math.SQRT1_2)) + (v * Math.exp(-0.5 * v * v)) / Math.sqrt(2 * Math.PI);
    } else {
      const t = Math.tanh(SQRT_2_OVER_PI * (v + C * v * v * v));
      d = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * C * v * v);
    }
    dx[i] = dy[i] * d;
  }
}
