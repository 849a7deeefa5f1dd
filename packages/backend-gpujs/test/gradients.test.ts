// Gradients through the gpu.js kernels (tfjs' gradient functions call matMul, sums, exp, …, which
// run on gpujs again): compared with central finite differences of a float64 JS reference, and
// with the cpu backend's gradients.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { initBackend } from '@agon/tensor';
import { gpujsInfo } from '../src/index.js';
import { expectClose, noLeaks, rand, refMatMul, startGpujs } from './helpers.js';

beforeAll(async () => {
  await startGpujs();
});

/** Central differences of a scalar float64 function. */
function fdGrad(f: (x: Float64Array) => number, x: Float64Array, h = 1e-5): Float64Array {
  const p = Float64Array.from(x);
  return Float64Array.from(p, (xi, i) => {
    p[i] = xi + h;
    const up = f(p);
    p[i] = xi - h;
    const down = f(p);
    p[i] = xi;
    return (up - down) / (2 * h);
  });
}

interface GradCase {
  name: string;
  shapes: number[][];
  /** The tfjs loss (a scalar) of the inputs. */
  loss: (...xs: tf.Tensor[]) => tf.Scalar;
  /** The same loss in float64. */
  ref: (...xs: Float64Array[]) => number;
}

const silu = (z: number) => z / (1 + Math.exp(-z));

/** Row-wise log-softmax of a flat [rows, n] buffer, float64. */
function logSoftmaxRows(z: Float64Array, n: number): Float64Array {
  const out = new Float64Array(z.length);
  for (let r = 0; r < z.length; r += n) {
    let m = -Infinity;
    for (let j = 0; j < n; j++) m = Math.max(m, z[r + j]);
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.exp(z[r + j] - m);
    for (let j = 0; j < n; j++) out[r + j] = z[r + j] - m - Math.log(s);
  }
  return out;
}

const w20 = rand(4 * 5, 99);
const w18 = rand(2 * 3 * 3, 98);

const cases: GradCase[] = [
  {
    name: 'Σ w ⊙ logSoftmax(silu(x·W + b)): fused-style MLP head',
    shapes: [[4, 6], [6, 5], [5]],
    loss: (x, W, b) => {
      const z = tf.add(tf.matMul(x, W), b);
      const h = tf.mul(z, tf.sigmoid(z));
      return tf.sum(tf.mul(tf.logSoftmax(h), tf.tensor2d(Float32Array.from(w20), [4, 5])));
    },
    ref: (x, W, b) => {
      const z = refMatMul(x, W, { batchA: 1, batchB: 1, M: 4, K: 6, N: 5 }).map((v, i) => silu(v + b[i % 5]));
      return logSoftmaxRows(z, 5).reduce((s, v, i) => s + v * Math.fround(w20[i]), 0);
    },
  },
  {
    name: 'Σ w ⊙ tanh(A·Cᵀ) / rowmax: batched matmul with a transpose, max and div',
    shapes: [[2, 3, 4], [2, 3, 4]],
    loss: (a, c) => {
      const y = tf.tanh(tf.matMul(a, c, false, true));
      const m = tf.max(tf.abs(y), -1, true);
      return tf.sum(tf.mul(tf.div(y, tf.add(m, 1)), tf.tensor3d(Float32Array.from(w18), [2, 3, 3])));
    },
    ref: (a, c) => {
      const y = refMatMul(a, c, { batchA: 2, batchB: 2, M: 3, K: 4, N: 3, tB: true }).map(Math.tanh);
      let s = 0;
      for (let r = 0; r < 6; r++) {
        const row = y.subarray(r * 3, r * 3 + 3);
        const m = Math.max(...row.map(Math.abs)) + 1;
        row.forEach((v, j) => (s += (v / m) * Math.fround(w18[r * 3 + j])));
      }
      return s;
    },
  },
  {
    name: 'mean of exp(−(x − μ)²) with μ the row mean: sub, square, mean, exp',
    shapes: [[3, 7]],
    loss: (x) => tf.mean(tf.exp(tf.neg(tf.square(tf.sub(x, tf.mean(x, 1, true)))))),
    ref: (x) => {
      let s = 0;
      for (let r = 0; r < 3; r++) {
        const row = x.subarray(r * 7, r * 7 + 7);
        const mu = row.reduce((a, v) => a + v, 0) / 7;
        row.forEach((v) => (s += Math.exp(-((v - mu) ** 2))));
      }
      return s / 21;
    },
  },
  {
    name: 'Σ w ⊙ softmax(x): the Softmax kernel and its gradient',
    shapes: [[4, 5]],
    loss: (x) => tf.sum(tf.mul(tf.softmax(x), tf.tensor2d(Float32Array.from(w20), [4, 5]))),
    ref: (x) => logSoftmaxRows(x, 5).reduce((s, v, i) => s + Math.exp(v) * Math.fround(w20[i]), 0),
  },
];

async function gradsOn(backend: string, c: GradCase, inputs: Float64Array[]): Promise<Float64Array[]> {
  await initBackend({ backend });
  const ts = inputs.map((v, i) => tf.tensor(Float32Array.from(v), c.shapes[i]));
  const grads = tf.grads((...xs: tf.Tensor[]) => c.loss(...xs))(ts);
  const out = await Promise.all(grads.map(async (g) => Float64Array.from(await g.data())));
  tf.dispose([...ts, ...grads]);
  return out;
}

describe('gradients on gpujs', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) =>
    noLeaks(async () => {
      const inputs = c.shapes.map((s, i) => rand(s.reduce((a, b) => a * b, 1), 7 + i));
      const runs = gpujsInfo()!.kernelRuns;
      const gpu = await gradsOn('gpujs', c, inputs);
      expect(gpujsInfo()!.kernelRuns).toBeGreaterThan(runs);
      const cpu = await gradsOn('cpu', c, inputs);
      await initBackend({ backend: 'gpujs' });
      inputs.forEach((x, k) => {
        const fd = fdGrad((v) => c.ref(...inputs.map((y, j) => (j === k ? v : y))), x);
        // FD of the float64 reference is exact to ~1e-9; float32 backprop is good to ~1e-6 relative.
        expectClose(gpu[k], fd, 2e-5, 1e-4, `${c.name}: d/d input ${k} vs finite differences`);
        expectClose(gpu[k], cpu[k], 1e-5, 1e-4, `${c.name}: d/d input ${k} vs cpu`);
      });
    }),
  );
});
