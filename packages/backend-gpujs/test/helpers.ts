// Shared by this package's tests: starting the backend in the mode CI requires, float64
// references, and a closeness check that names the worst element.
import * as tf from '@tensorflow/tfjs-core';
import { createRng, initBackend, type BackendInfo } from '@agon/tensor';
import { registerGpujsProvider, type GpujsMode } from '../src/index.js';

/**
 * The gpu.js mode the tests demand: `AGON_GPUJS_MODE` when set, else `headlessgl` under CI (which
 * runs the suite inside xvfb-run), else whatever gpu.js finds (a laptop without X gets webasm).
 */
export function requiredMode(): GpujsMode | 'auto' {
  const env = process.env.AGON_GPUJS_MODE;
  if (env) return env as GpujsMode | 'auto';
  return process.env.CI ? 'headlessgl' : 'auto';
}

/** Registers the provider (in the required mode) and selects the gpujs backend. */
export async function startGpujs(): Promise<BackendInfo> {
  registerGpujsProvider({ mode: requiredMode() });
  return initBackend({ backend: 'gpujs' });
}

/** Deterministic values in [-scale, scale), rounded to float32 (what the backend will see). */
export function rand(n: number, seed: number, scale = 1): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from(Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale));
}

/** |actual − expected| ≤ atol + rtol·|expected| everywhere (equal infinities/NaNs pass). */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number, label: string): void {
  if (actual.length !== expected.length) throw new Error(`${label}: ${actual.length} values, expected ${expected.length}`);
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
    const err = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(err <= 0) && (worst < 0 || !(err <= worstErr))) {
      worst = i;
      worstErr = err;
    }
  }
  if (worst >= 0) {
    throw new Error(`${label}: index ${worst}: got ${actual[worst]}, expected ${expected[worst]} (atol ${atol}, rtol ${rtol})`);
  }
}

/** Runs `fn` and fails if it leaves tensors behind. */
export async function noLeaks(fn: () => Promise<void>): Promise<void> {
  const before = tf.memory().numTensors;
  await fn();
  expect(tf.memory().numTensors).toBe(before);
}

/** Row-major strides. */
export function stridesOf(shape: readonly number[]): number[] {
  const s: number[] = [];
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Float64 numpy-style broadcast of a binary function. */
export function refBroadcast(
  a: Float64Array,
  aShape: number[],
  b: Float64Array,
  bShape: number[],
  f: (x: number, y: number) => number,
): { shape: number[]; values: Float64Array } {
  const rank = Math.max(aShape.length, bShape.length);
  const pa = [...new Array<number>(rank - aShape.length).fill(1), ...aShape];
  const pb = [...new Array<number>(rank - bShape.length).fill(1), ...bShape];
  const shape = pa.map((d, i) => Math.max(d, pb[i]));
  const sa = stridesOf(pa);
  const sb = stridesOf(pb);
  const so = stridesOf(shape);
  const n = shape.reduce((x, y) => x * y, 1);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < rank; d++) {
      const c = Math.floor(i / so[d]) % shape[d];
      if (pa[d] !== 1) ia += c * sa[d];
      if (pb[d] !== 1) ib += c * sb[d];
    }
    values[i] = f(a[ia], b[ib]);
  }
  return { shape, values };
}

/** Float64 (batched) matmul of row-major [batch, M, K] × [batch, K, N] with transposes. */
export function refMatMul(
  a: Float64Array,
  b: Float64Array,
  o: { batchA: number; batchB: number; M: number; K: number; N: number; tA?: boolean; tB?: boolean },
): Float64Array {
  const { M, K, N } = o;
  const batch = Math.max(o.batchA, o.batchB);
  const out = new Float64Array(batch * M * N);
  for (let bi = 0; bi < batch; bi++) {
    const ao = (bi % o.batchA) * M * K;
    const bo = (bi % o.batchB) * K * N;
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) {
          s += a[ao + (o.tA ? k * M + m : m * K + k)] * b[bo + (o.tB ? n * K + k : k * N + n)];
        }
        out[(bi * M + m) * N + n] = s;
      }
    }
  }
  return out;
}
