// Conformance of rmsNorm(x, w, ε): forward against the float64 loop, gradients of x and w against
// finite differences, on every backend (the fused kernel on cpu and wasm, composed ops elsewhere),
// and the fused kernel against the composed ops on the same backend.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from '@jest/globals';
import { rmsNorm } from '../../src/index.js';
import { describeEachBackend, expectNoLeaks } from '../../src/testing/index.js';
import { expectClose, randn, read } from '../reference.js';
import { checkCase, tol } from './check.js';
import { rmsnorm as refRmsNorm } from './reference-ops.js';

await describeEachBackend('rmsNorm', (backend) => {
  const cases: [number[], number][] = [
    [[3, 8], 1e-5],
    [[2, 5, 16], 1e-6],
    [[1, 1, 64], 1e-5],
    [[4, 33, 64], 1e-5],
  ];
  for (const [shape, eps] of cases) {
    const D = shape[shape.length - 1];
    const n = shape.reduce((a, b) => a * b, 1);
    it(`x [${shape.join(', ')}], ε ${eps}: forward and gradients of x and w`, () =>
      checkCase({
        inputs: [
          { shape, data: randn(n, 70 + D) },
          { shape: [D], data: randn(D, 71).map((v) => 1 + 0.3 * v) },
        ],
        run: (x, w) => rmsNorm(x, w, eps),
        ref: (x, w) => refRmsNorm(x, w, D, eps),
        outShape: shape,
        forward: tol(backend, 1e-5, 1e-5),
        gradient: tol(backend, 1e-4, 1e-4),
      }));
  }

  it('a row of zeros gives zeros (ε keeps the scale finite)', async () => {
    await expectNoLeaks(async () => {
      const x = tf.zeros([2, 4]);
      const w = tf.ones([4]);
      const y = rmsNorm(x, w, 1e-5);
      expect(Array.from(await y.data())).toEqual(new Array(8).fill(0));
      tf.dispose([x, w, y]);
    });
  });

  it('the fused kernel equals the composed ops in value and gradient (within float32 rounding)', async () => {
    await expectNoLeaks(async () => {
      const x = tf.tensor3d(Float32Array.from(randn(2 * 6 * 32, 5)), [2, 6, 32]);
      const w = tf.tensor1d(Float32Array.from(randn(32, 6)));
      const dy = tf.tensor3d(Float32Array.from(randn(2 * 6 * 32, 7)), [2, 6, 32]);
      const composed = (a: tf.Tensor, b: tf.Tensor) => tf.mul(tf.mul(a, tf.rsqrt(tf.add(tf.mean(tf.square(a), -1, true), 1e-5))), b);
      const f = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(rmsNorm(a, b, 1e-5), dy)));
      const c = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(composed(a, b), dy)));
      const [gf, gc] = [f([x, w]), c([x, w])];
      const [yf, yc] = [rmsNorm(x, w, 1e-5), tf.tidy(() => composed(x, w))];
      expectClose(await read(yf), await read(yc), { ...tol(backend, 1e-6, 1e-5), label: 'value' });
      for (let i = 0; i < 2; i++) expectClose(await read(gf[i]!), await read(gc[i]!), { ...tol(backend, 1e-5, 1e-4), label: `gradient ${i}` });
      tf.dispose([x, w, dy, yf, yc, ...gf, ...gc]);
    });
  });

  it('rejects a weight that does not fit, naming the shapes', async () => {
    await expectNoLeaks(() => {
      const x = tf.zeros([2, 3]);
      const w = tf.zeros([4]);
      expect(() => rmsNorm(x, w, 1e-5)).toThrow('rmsNorm: w must be [D] for x [..., D]; got x [2, 3], w [4]');
      tf.dispose([x, w]);
    });
  });
});
