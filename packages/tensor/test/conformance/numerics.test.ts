// Conformance: agon's fused numerics and their hand-written gradients on every backend under test.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from '@jest/globals';
import { attentionMask, entropyFromLogits, maskedMean, maskedSum, tokenLogprobs } from '../../src/index.js';
import { describeEachBackend, expectNoLeaks } from '../../src/testing/index.js';
import { randInt, randn, refEntropy, refTokenLogprobs } from '../reference.js';
import { checkCase, tol } from './check.js';

const B = 2, T = 3, V = 11;

await describeEachBackend('numerics', (backend) => {
  it('tokenLogprobs', () => {
    const ids = randInt(B * T, V, 21);
    return checkCase({
      inputs: [{ shape: [B, T, V], data: randn(B * T * V, 20, 3) }, { shape: [B, T], data: ids, dtype: 'int32' }],
      run: (l, i) => tokenLogprobs(l, i),
      ref: (l, i) => refTokenLogprobs(l, V, i),
      outShape: [B, T],
      forward: tol(backend, 1e-5, 1e-5),
      gradient: tol(backend, 1e-5, 1e-4),
    });
  });

  it('tokenLogprobs computes no entropy: no entropy term (Maximum of log p, Neg of the sum) forward or backward where ops are composed', async () => {
    await expectNoLeaks(async () => {
      const l = tf.tensor3d(Float32Array.from(randn(B * T * V, 23)), [B, T, V]);
      const i = tf.tensor2d(randInt(B * T, V, 24), [B, T], 'int32');
      const { kernels } = await tf.profile(() => tf.dispose(tf.grad((x: tf.Tensor) => tf.sum(tokenLogprobs(x, i)))(l)));
      const names = new Set(kernels.map((k) => k.name));
      if (backend === 'cpu' || backend === 'wasm') expect(names.has('AgonTokenLogprobs')).toBe(true);
      else expect([names.has('Maximum'), names.has('Neg')]).toEqual([false, false]);
      tf.dispose([l, i]);
    });
  });

  it('entropyFromLogits', () =>
    checkCase({
      inputs: [{ shape: [B, T, V], data: randn(B * T * V, 22, 2) }],
      run: (l) => entropyFromLogits(l),
      ref: (l) => refEntropy(l, V),
      outShape: [B, T],
      forward: tol(backend, 1e-5, 1e-5),
      gradient: tol(backend, 1e-5, 1e-4),
    }));

  it('maskedMean and maskedSum per row, with an all-masked row', () => {
    const mask = [1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1];
    const meanRef = (x: Float64Array): Float64Array =>
      Float64Array.from([0, 1, 2], (r) => {
        let s = 0, n = 0;
        for (let j = 0; j < 4; j++) {
          s += x[r * 4 + j] * mask[r * 4 + j];
          n += mask[r * 4 + j];
        }
        return n ? s / n : 0;
      });
    return checkCase({
      inputs: [{ shape: [3, 4], data: randn(12, 23) }, { shape: [3, 4], data: mask, grad: false }],
      run: (x, m) => tf.add(maskedMean(x, m, 1), tf.mul(maskedSum(x, m, 1), 0.5)),
      ref: (x) => {
        const mean = meanRef(x);
        return mean.map((v, r) => v + 0.5 * [0, 1, 2, 3].reduce((s, j) => s + x[r * 4 + j] * mask[r * 4 + j], 0));
      },
      outShape: [3],
      forward: tol(backend, 1e-6, 1e-6),
      gradient: tol(backend, 1e-5, 1e-5),
    });
  });

  it('attentionMask with a KV offset and padding', () =>
    expectNoLeaks(async () => {
      const pad = tf.tensor2d([[0, 1, 1, 1], [1, 1, 1, 1]], [2, 4], 'int32');
      const m = attentionMask({ queryLength: 2, keyLength: 4, padding: pad });
      const want = [
        [-1e9, 0, 0, -1e9], [-1e9, 0, 0, 0],
        [0, 0, 0, -1e9], [0, 0, 0, 0],
      ].flat().map(Math.fround);
      expect(Array.from(await m.data())).toEqual(want);
      tf.dispose([pad, m]);
    }));
});
