// Runs in a browser tab (bundled by test/browser.test.ts): starts the gpujs backend in WebGL2 mode
// through @agon/tensor's initBackend and checks matMul (one and four columns per thread), softmax,
// a reduction and a gradient against plain float64 JavaScript. Returns plain data to assert on.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agon/tensor';
import { gpujsInfo, registerGpujsProvider, type GpujsMode } from '@agon/backend-gpujs';

export interface PageReport {
  backend?: string;
  reason?: string;
  mode?: string;
  error?: string;
  errors?: Record<string, number>;
  gpuRuns?: number;
  leaked?: number;
}

/** Deterministic values in [-1, 1), independent of any RNG under test. */
function values(n: number, seed: number): number[] {
  const out: number[] = [];
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(s / 2 ** 31 - 1);
  }
  return out;
}

function maxErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function refMatMul(a: number[], b: number[], M: number, K: number, N: number): Float64Array {
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) for (let k = 0; k < K; k++) out[i * N + j] += a[i * K + k] * b[k * N + j];
  return out;
}

async function run(mode: GpujsMode): Promise<PageReport> {
  const r: PageReport = {};
  try {
    registerGpujsProvider({ mode });
    const info = await initBackend({ backend: 'gpujs' });
    r.backend = info.backend;
    r.reason = info.reason;
    r.mode = gpujsInfo()?.mode;
    const before = tf.memory().numTensors;
    const runs = gpujsInfo()?.kernelRuns ?? 0;
    const errors: Record<string, number> = {};

    for (const N of [6, 8]) {
      const a = values(16 * 24, 1);
      const b = values(24 * N, 2);
      const y = tf.tidy(() => tf.matMul(tf.tensor2d(a, [16, 24]), tf.tensor2d(b, [24, N])));
      errors[`matMul N=${N}`] = maxErr(await y.data(), refMatMul(a, b, 16, 24, N));
      y.dispose();
    }

    const x = values(40, 3).map((v) => v * 20);
    const sm = tf.tidy(() => tf.softmax(tf.tensor2d(x, [4, 10])));
    const smRef: number[] = [];
    for (let i = 0; i < 4; i++) {
      const row = x.slice(i * 10, i * 10 + 10);
      const m = Math.max(...row);
      const z = row.reduce((s, v) => s + Math.exp(v - m), 0);
      smRef.push(...row.map((v) => Math.exp(v - m) / z));
    }
    errors.softmax = maxErr(await sm.data(), smRef);
    sm.dispose();

    const s = tf.tidy(() => tf.sum(tf.tensor2d(x, [4, 10]), 0));
    errors.sum = maxErr(await s.data(), Array.from({ length: 10 }, (_, j) => x[j] + x[10 + j] + x[20 + j] + x[30 + j]));
    s.dispose();

    // d/dW Σ sigmoid(x·W) = xᵀ · σ'(x·W)
    const xs = values(3 * 5, 5);
    const W = values(5 * 4, 6);
    const xt = tf.tensor2d(xs, [3, 5]);
    const Wt = tf.tensor2d(W, [5, 4]);
    const g = tf.grad((w: tf.Tensor) => tf.sum(tf.sigmoid(tf.matMul(xt, w))))(Wt);
    const z = refMatMul(xs, W, 3, 5, 4);
    const gRef = new Float64Array(20);
    for (let k = 0; k < 5; k++) {
      for (let j = 0; j < 4; j++) {
        for (let i = 0; i < 3; i++) {
          const sg = 1 / (1 + Math.exp(-z[i * 4 + j]));
          gRef[k * 4 + j] += xs[i * 5 + k] * sg * (1 - sg);
        }
      }
    }
    errors.gradient = maxErr(await g.data(), gRef);
    tf.dispose([xt, Wt, g]);

    r.errors = errors;
    r.gpuRuns = (gpujsInfo()?.kernelRuns ?? 0) - runs;
    r.leaked = tf.memory().numTensors - before;
  } catch (e) {
    r.error = String((e as Error)?.stack ?? e);
  }
  return r;
}

(globalThis as unknown as { gpujsChecks: typeof run }).gpujsChecks = run;
