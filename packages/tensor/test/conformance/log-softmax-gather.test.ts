// Conformance of logSoftmaxGather(logits, targets) → log-probs, entropies, log-sum-exps: the three
// outputs against a float64 loop and their gradients against finite differences on every backend
// (the fused kernels on cpu and wasm, composed ops elsewhere); −∞ logits; the kernel against the
// composed ops on the same backend; a target outside the vocabulary named in the error.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from '@jest/globals';
import { logSoftmaxGather } from '../../src/index.js';
import { describeEachBackend, expectNoLeaks } from '../../src/testing/index.js';
import { expectClose, randInt, randn, read, refEntropy, refLogSumExp, refTokenLogprobs, rows } from '../reference.js';
import { checkCase, tol } from './check.js';

/** [3, N]: log-probs, 0.7 × entropies, 0.3 × log-sum-exps (so every output's gradient is checked). */
function refAll(z: ArrayLike<number>, ids: ArrayLike<number>, V: number): Float64Array {
  const lp = refTokenLogprobs(z, V, ids);
  const ent = refEntropy(z, V);
  const lse = rows(z, V).map(refLogSumExp);
  return Float64Array.from([...lp, ...ent.map((e) => 0.7 * e), ...lse.map((l) => 0.3 * l)]);
}

await describeEachBackend('logSoftmaxGather', (backend) => {
  for (const [N, V] of [[1, 2], [7, 13], [2, 256]] as const) {
    it(`logits [${N}, ${V}]: the three outputs and their gradient`, () =>
      checkCase({
        inputs: [
          { shape: [N, V], data: randn(N * V, 40 + V, 2) },
          { shape: [N], data: randInt(N, V, 41), dtype: 'int32' },
        ],
        run: (z, t) => {
          const { logprobs, entropy, logZ } = logSoftmaxGather(z as tf.Tensor2D, t as tf.Tensor1D);
          return tf.stack([logprobs, tf.mul(entropy, 0.7), tf.mul(logZ, 0.3)]);
        },
        ref: (z, t) => refAll(z, t, V),
        outShape: [3, N],
        forward: tol(backend, 1e-5, 1e-5),
        gradient: tol(backend, 1e-4, 1e-4),
      }));
  }

  it('−∞ logits have probability 0: finite log-probs and entropy elsewhere, zero gradient there', async () => {
    await expectNoLeaks(async () => {
      const row = [1.5, -Infinity, 0.25, -Infinity, -2];
      const z = tf.tensor2d([row, row.map((x) => (x === -Infinity ? 0 : x))]);
      const ids = tf.tensor1d([2, 1], 'int32');
      const { logprobs, entropy, logZ } = logSoftmaxGather(z, ids);
      const finite = row.filter((x) => x !== -Infinity);
      const lse = refLogSumExp(finite);
      const ps = finite.map((x) => Math.exp(x - lse));
      expectClose(await read(logprobs), [0.25 - lse, 0 - refLogSumExp([1.5, 0, 0.25, 0, -2])], { ...tol(backend, 1e-6, 1e-5), label: 'log-probs' });
      expectClose((await read(entropy)).slice(0, 1), [-ps.reduce((a, p) => a + p * Math.log(p), 0)], { ...tol(backend, 1e-6, 1e-5), label: 'entropy' });
      expectClose((await read(logZ)).slice(0, 1), [lse], { ...tol(backend, 1e-6, 1e-5), label: 'log-sum-exp' });
      const g = tf.grad((x: tf.Tensor) => tf.sum(logSoftmaxGather(x as tf.Tensor2D, ids).logprobs))(z);
      const gv = await read(g);
      expect(gv[1]).toBe(0);
      expect(gv[3]).toBe(0);
      tf.dispose([z, ids, logprobs, entropy, logZ, g]);
    });
  });

  if (backend === 'cpu' || backend === 'wasm') {
    it('a target outside [0, V) is named in the error', () => {
      const z = tf.zeros([2, 4]) as tf.Tensor2D;
      const ids = tf.tensor1d([1, 4], 'int32');
      expect(() => logSoftmaxGather(z, ids)).toThrow('target 4 of row 1 is not an id in [0, 4)');
      tf.dispose([z, ids]);
    });
  }

  it('rejects targets that are not int32 [N]', () => {
    const z = tf.zeros([2, 4]) as tf.Tensor2D;
    const bad = tf.tensor1d([1, 2, 3], 'int32');
    const flt = tf.tensor1d([1, 2]);
    expect(() => logSoftmaxGather(z, bad)).toThrow('logits must be [N, V] and targets [N]; got logits [2, 4], targets [3]');
    expect(() => logSoftmaxGather(z, flt)).toThrow('targets must be int32, got float32');
    tf.dispose([z, bad, flt]);
  });
});
