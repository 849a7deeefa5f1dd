// Conformance: core ops and their gradients on every backend under test.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from '@jest/globals';
import { describeEachBackend } from '../../src/testing/index.js';
import { randInt, randn } from '../reference.js';
import { checkCase, tol } from './check.js';
import { embed, matmul, softmaxRows } from './reference-ops.js';

await describeEachBackend('ops', (backend) => {
  it('matMul [5, 7] × [7, 3]', () =>
    checkCase({
      inputs: [{ shape: [5, 7], data: randn(35, 1) }, { shape: [7, 3], data: randn(21, 2) }],
      run: (a, b) => tf.matMul(a, b),
      ref: (a, b) => matmul(a, b, 1, 5, 7, 3),
      outShape: [5, 3],
      forward: tol(backend, 1e-5, 1e-5),
      gradient: tol(backend, 1e-4, 1e-4),
    }));

  it('batched matMul [2, 4, 6] × [2, 3, 6]ᵀ', () =>
    checkCase({
      inputs: [{ shape: [2, 4, 6], data: randn(48, 3) }, { shape: [2, 3, 6], data: randn(36, 4) }],
      run: (a, b) => tf.matMul(a, b, false, true),
      ref: (a, b) => matmul(a, b, 2, 4, 6, 3, true),
      outShape: [2, 4, 3],
      forward: tol(backend, 1e-5, 1e-5),
      gradient: tol(backend, 1e-4, 1e-4),
    }));

  it('softmax over the last axis', () =>
    checkCase({
      inputs: [{ shape: [3, 2, 5], data: randn(30, 5, 3) }],
      run: (x) => tf.softmax(x),
      ref: (x) => softmaxRows(x, 5),
      outShape: [3, 2, 5],
      forward: tol(backend, 1e-6, 1e-5),
      gradient: tol(backend, 1e-5, 1e-4),
    }));

  it('softmax over a last axis of 37 (every SIMD path of its gradient kernel)', () =>
    checkCase({
      inputs: [{ shape: [2, 37], data: randn(74, 12, 3) }],
      run: (x) => tf.softmax(x),
      ref: (x) => softmaxRows(x, 37),
      outShape: [2, 37],
      forward: tol(backend, 1e-6, 1e-5),
      gradient: tol(backend, 1e-5, 1e-4),
    }));

  it("softmax's gradient is agon's kernel on cpu and wasm, tfjs' ops elsewhere", async () => {
    const x = tf.tensor2d([[0.5, -1, 2]]);
    const w = tf.tensor2d([[1, 2, 3]]);
    const info = await tf.profile(() => {
      const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.softmax(v), w)))(x);
      g.dispose();
    });
    const fused = info.kernels.some((k) => k.name === 'AgonSoftmaxGrad');
    expect(fused).toBe(backend === 'cpu' || backend === 'wasm');
    tf.dispose([x, w]);
  });

  it('logSoftmax over the last axis', () =>
    checkCase({
      inputs: [{ shape: [4, 6], data: randn(24, 6, 4) }],
      run: (x) => tf.logSoftmax(x),
      ref: (x) => softmaxRows(x, 6, true),
      outShape: [4, 6],
      forward: tol(backend, 1e-5, 1e-5),
      gradient: tol(backend, 1e-5, 1e-4),
    }));

  it('embedding gather (its gradient scatters rows back with UnsortedSegmentSum)', () => {
    const ids = randInt(7, 5, 7);
    ids[6] = ids[0]; // a repeated id: its gradient rows must add up
    return checkCase({
      inputs: [{ shape: [5, 4], data: randn(20, 8) }, { shape: [7], data: ids, dtype: 'int32' }],
      run: (E, i) => tf.gather(E, i),
      ref: (E, i) => embed(E, i, 4),
      outShape: [7, 4],
      forward: { atol: 0, rtol: 0 },
      gradient: tol(backend, 1e-5, 1e-5),
    });
  });

  // Ids ≥ numSegments are not tested: tfjs-backend-webgpu 4.22 folds them into another segment
  // (cpu and wasm drop them). Negative ids are dropped everywhere; gather's gradient never has either.
  it('unsortedSegmentSum drops negative ids and sums repeats', () =>
    checkCase({
      inputs: [{ shape: [5, 3], data: randn(15, 9) }, { shape: [5], data: [2, 0, 2, -1, 1], dtype: 'int32' }],
      run: (x, ids) => tf.unsortedSegmentSum(x, ids as tf.Tensor1D, 4),
      ref: (x, ids) => {
        const out = new Float64Array(12);
        ids.forEach((s, i) => {
          if (s >= 0 && s < 4) for (let c = 0; c < 3; c++) out[s * 3 + c] += x[i * 3 + c];
        });
        return out;
      },
      outShape: [4, 3],
      forward: tol(backend, 1e-6, 1e-6),
    }));
});

await describeEachBackend('identity', (backend) => {
  // The engine clones (Identity) every tensor a gradient tape saves; on cpu and wasm the clone
  // shares the input's memory, so saving an activation costs no bytes and no copy.
  it('a clone keeps its values after the original is disposed, and frees with the last owner', () => {
    const before = tf.memory();
    const x = tf.tensor2d([1, -2, 3.5, 4, 5, 6], [2, 3]);
    const y = tf.clone(x);
    // tfjs counts numBytes per tensor, shared or not; numDataBuffers counts the memory blocks.
    if (backend === 'cpu' || backend === 'wasm') expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers + 1);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, -2, 3.5, 4, 5, 6]);
    const z = tf.add(y, 1); // the shared block is still a valid input
    expect(Array.from(z.dataSync())).toEqual([2, -1, 4.5, 5, 6, 7]);
    y.dispose();
    z.dispose();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
  });

  it('a gradient through saved (cloned) activations equals the float64 result', () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor1d([0.5, -1.25, 2]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.exp(v), v)))(x); // d/dv v·eᵛ = eᵛ(1 + v)
    const want = [0.5, -1.25, 2].map((v) => Math.exp(v) * (1 + v));
    g.dataSync().forEach((got, i) => expect(Math.abs(got - want[i])).toBeLessThan(1e-5 * Math.abs(want[i]) + 1e-6));
    x.dispose();
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
