// Float64 reference implementations and central finite differences, independent of tfjs: the
// numbers every tfjs result is compared with.
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '../src/rng.js';

/** Deterministic normal-ish values in float64 (sum of uniforms is enough for test inputs). */
export function randn(n: number, seed: number, scale = 1): Float64Array {
  const rng = createRng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = (rng.next() + rng.next() + rng.next() + rng.next() - 2) * scale * 1.7320508;
  }
  return out;
}

/** Random int ids in [0, V). */
export function randInt(n: number, V: number, seed: number): Int32Array {
  const rng = createRng(seed);
  return Int32Array.from({ length: n }, () => rng.nextUint32() % V);
}

export function refLogSumExp(row: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < row.length; i++) m = Math.max(m, row[i]);
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < row.length; i++) s += Math.exp(row[i] - m);
  return m + Math.log(s);
}

/** Rows of a flat [N, V] buffer. */
export function rows(x: ArrayLike<number>, V: number): Float64Array[] {
  const out: Float64Array[] = [];
  for (let i = 0; i < x.length; i += V) out.push(Float64Array.from({ length: V }, (_, j) => x[i + j]));
  return out;
}

export function refTokenLogprobs(logits: ArrayLike<number>, V: number, ids: ArrayLike<number>): Float64Array {
  return Float64Array.from(rows(logits, V), (r, n) => r[ids[n]] - refLogSumExp(r));
}

export function refEntropy(logits: ArrayLike<number>, V: number): Float64Array {
  return Float64Array.from(rows(logits, V), (r) => {
    const z = refLogSumExp(r);
    let h = 0;
    for (const v of r) if (v !== -Infinity) h -= Math.exp(v - z) * (v - z);
    return h;
  });
}

/**
 * Central finite-difference gradient of a scalar float64 function at x (step h relative to
 * max(1, |x_i|)); exact to ~h² for smooth functions.
 */
export function fdGrad(f: (x: Float64Array) => number, x: ArrayLike<number>, h = 1e-5): Float64Array {
  const p = Float64Array.from(x);
  const g = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const xi = p[i];
    const step = h * Math.max(1, Math.abs(xi));
    p[i] = xi + step;
    const up = f(p);
    p[i] = xi - step;
    const down = f(p);
    p[i] = xi;
    g[i] = (up - down) / (2 * step);
  }
  return g;
}

/** Σ w·y: turns a vector output into the scalar whose gradient is checked. */
export function dot(w: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += w[i] * y[i];
  return s;
}

/**
 * Asserts |actual − expected| ≤ atol + rtol·|expected| element-wise; the error names the worst index.
 */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { atol, rtol = 0, label = 'values' }: { atol: number; rtol?: number; label?: string },
): void {
  if (actual.length !== expected.length) {
    throw new Error(`${label}: length ${actual.length} != expected ${expected.length}`);
  }
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (a === e) continue; // covers equal infinities
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    throw new Error(
      `${label}: index ${worst}: got ${actual[worst]}, expected ${expected[worst]} ` +
        `(atol ${atol}, rtol ${rtol})`,
    );
  }
}

/** Reads a tensor to a plain float64 array (async: dataSync is unsupported on webgpu). */
export async function read(t: tf.Tensor): Promise<Float64Array> {
  return Float64Array.from(await t.data());
}
