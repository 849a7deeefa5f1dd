// Conformance of linear(x, W) = x·Wᵀ: forward against a float64 loop, gradients of x and W
// against finite differences, for few rows (the GEMM's unpacked path on wasm) and many rows.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from '@jest/globals';
import { linear } from '../../src/index.js';
import { describeEachBackend, expectNoLeaks } from '../../src/testing/index.js';
import { randn } from '../reference.js';
import { checkCase, tol } from './check.js';

function refLinear(x: ArrayLike<number>, w: ArrayLike<number>, N: number, I: number, O: number): Float64Array {
  const y = new Float64Array(N * O);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++) {
      let acc = 0;
      for (let i = 0; i < I; i++) acc += x[n * I + i] * w[o * I + i];
      y[n * O + o] = acc;
    }
  return y;
}

await describeEachBackend('linear', (backend) => {
  for (const N of [3, 70]) {
    it(`x [${N}, 5] · W [6, 5]ᵀ: forward and gradients`, () =>
      checkCase({
        inputs: [
          { shape: [N, 5], data: randn(N * 5, 60 + N) },
          { shape: [6, 5], data: randn(30, 61) },
        ],
        run: (x, w) => linear(x as tf.Tensor2D, w as tf.Tensor2D),
        ref: (x, w) => refLinear(x, w, N, 5, 6),
        outShape: [N, 6],
        forward: tol(backend, 1e-5, 1e-5),
        gradient: tol(backend, 1e-4, 1e-4),
      }));
  }

  it('rejects mismatched shapes naming them', async () => {
    await expectNoLeaks(() => {
      const x = tf.zeros([2, 3]);
      const w = tf.zeros([4, 5]);
      expect(() => linear(x as tf.Tensor2D, w as tf.Tensor2D)).toThrow("linear: x must be [N, in] and W [out, in] with the same 'in'; got x [2, 3], W [4, 5]");
      tf.dispose([x, w]);
    });
  });
});
