// Runs in a browser tab (bundled by tools/test/browser.test.ts): selects each backend through
// @agon/tensor's initBackend and checks matMul, softmax and the fused log-prob helper (values and
// gradient) against plain float64 JavaScript. Returns plain data for the test to assert on.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, tokenLogprobs } from '@agon/tensor';

export interface BackendReport {
  requested: string;
  backend?: string;
  reason?: string;
  error?: string;
  matMulErr?: number;
  softmaxErr?: number;
  logprobErr?: number;
  gradErr?: number;
  leaked?: number;
}

/** Deterministic pseudo-random values in [-1, 1) (no RNG state shared with the code under test). */
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
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return a.length === b.length ? m : Infinity;
}

/** log softmax(row)[t] in float64, and its gradient with respect to the row (onehot − softmax). */
function logprobRef(row: number[], t: number): { lp: number; grad: number[] } {
  const m = Math.max(...row);
  const z = row.reduce((a, x) => a + Math.exp(x - m), 0);
  const lp = row[t] - m - Math.log(z);
  return { lp, grad: row.map((x, i) => (i === t ? 1 : 0) - Math.exp(x - m) / z) };
}

async function checkOne(requested: string, wasmPaths: string): Promise<BackendReport> {
  const r: BackendReport = { requested };
  try {
    // Named backends may use a software GPU (SwiftShader here); auto must not pick one.
    const info = await initBackend({ backend: requested, allowSoftwareGpu: requested !== 'auto', wasmPaths });
    r.backend = info.backend;
    r.reason = info.reason;
    const before = tf.memory().numTensors;

    // matMul [16, 24] x [24, 8]
    const M = 16, K = 24, N = 8;
    const a = values(M * K, 1), b = values(K * N, 2);
    const ref = new Float64Array(M * N);
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) for (let k = 0; k < K; k++) ref[i * N + j] += a[i * K + k] * b[k * N + j];
    const mm = tf.tidy(() => tf.matMul(tf.tensor2d(a, [M, K]), tf.tensor2d(b, [K, N])));
    r.matMulErr = maxErr(await mm.data(), ref);

    // softmax over 4 rows of 10 logits, scaled so large values are included
    const x = values(40, 3).map((v) => v * 20);
    const sm = tf.tidy(() => tf.softmax(tf.tensor2d(x, [4, 10])));
    const smRef: number[] = [];
    for (let i = 0; i < 4; i++) {
      const row = x.slice(i * 10, i * 10 + 10), m = Math.max(...row);
      const z = row.reduce((s, v) => s + Math.exp(v - m), 0);
      smRef.push(...row.map((v) => Math.exp(v - m) / z));
    }
    r.softmaxErr = maxErr(await sm.data(), smRef);

    // tokenLogprobs over [2, 3, 7] logits, and d(sum)/d(logits)
    const L = values(42, 4).map((v) => v * 5);
    const targets = [0, 6, 3, 2, 5, 1];
    const logits = tf.tensor3d(L, [2, 3, 7]);
    const tgt = tf.tensor2d(targets, [2, 3], 'int32');
    const lp = tokenLogprobs(logits, tgt);
    const g = tf.grad((z: tf.Tensor) => tf.sum(tokenLogprobs(z, tgt)))(logits);
    const lpRef: number[] = [];
    const gRef: number[] = [];
    for (let p = 0; p < 6; p++) {
      const { lp: v, grad } = logprobRef(L.slice(p * 7, p * 7 + 7), targets[p]);
      lpRef.push(v);
      gRef.push(...grad);
    }
    r.logprobErr = maxErr(await lp.data(), lpRef);
    r.gradErr = maxErr(await g.data(), gRef);
    tf.dispose([mm, sm, logits, tgt, lp, g]);
    r.leaked = tf.memory().numTensors - before;
  } catch (e) {
    r.error = String((e as Error)?.message ?? e);
  }
  return r;
}

/** Checks every requested backend in turn; `auto` reports what initBackend picked and why. */
export async function runChecks(backends: string[], wasmPaths: string): Promise<BackendReport[]> {
  const out: BackendReport[] = [];
  for (const b of backends) out.push(await checkOne(b, wasmPaths));
  return out;
}

(globalThis as unknown as { agonChecks: typeof runChecks }).agonChecks = runChecks;
