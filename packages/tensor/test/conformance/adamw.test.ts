// Conformance of adamwStep: the new weights and moments against a float64 loop on every backend
// (the fused kernel on cpu and wasm, composed ops elsewhere), and on cpu and wasm bit for bit
// equal to tfjs' elementwise ops in the composed order; shapes that differ are named.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from '@jest/globals';
import { adamwStep } from '../../src/index.js';
import { describeEachBackend, expectNoLeaks } from '../../src/testing/index.js';
import { expectClose, randn, read } from '../reference.js';
import { tol } from './check.js';

const n = 37; // every SIMD path: nine vectors of four and a tail of one
const hyper = { lr: 3e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, step: 3 };

function reference(x: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, wd: number) {
  const { lr, beta1, beta2, eps, step } = hyper;
  const c1 = 1 - beta1 ** step, c2 = 1 - beta2 ** step;
  const m1 = m.map((mi, i) => beta1 * mi + (1 - beta1) * g[i]);
  const v1 = v.map((vi, i) => beta2 * vi + (1 - beta2) * g[i] * g[i]);
  const x1 = x.map((xi, i) => xi - lr * wd * xi - (lr * (m1[i] / c1)) / (Math.sqrt(v1[i] / c2) + eps));
  return { x: x1, m: m1, v: v1 };
}

await describeEachBackend('adamwStep', (backend) => {
  for (const wd of [0, 0.1]) {
    it(`weight decay ${wd}: weights and moments against float64${backend === 'cpu' || backend === 'wasm' ? ' and bit for bit against the composed ops' : ''}`, async () => {
      await expectNoLeaks(async () => {
        const round = (a: Float64Array) => Float64Array.from(Float32Array.from(a));
        const xs = round(randn(n, 90)), gs = round(randn(n, 91, 0.1)), ms = round(randn(n, 92, 0.01));
        const vs = round(randn(n, 93, 0.001).map((a) => a * a));
        const [x, g, m, v] = [xs, gs, ms, vs].map((a) => tf.tensor1d(Float32Array.from(a)));
        const got = adamwStep(x, g, m, v, { ...hyper, weightDecay: wd });
        const want = reference(xs, gs, ms, vs, wd);
        for (const k of ['x', 'm', 'v'] as const) expectClose(await read(got[k]), want[k], { ...tol(backend, 1e-6, 1e-5), label: k });
        if (backend === 'cpu' || backend === 'wasm') {
          const { lr, beta1, beta2, eps, step } = hyper;
          const composed = tf.tidy(() => {
            const m1 = tf.add(tf.mul(beta1, m), tf.mul(1 - beta1, g));
            const v1 = tf.add(tf.mul(beta2, v), tf.mul(1 - beta2, tf.square(g)));
            const s = tf.div(tf.div(m1, 1 - beta1 ** step), tf.add(tf.sqrt(tf.div(v1, 1 - beta2 ** step)), eps));
            const decayed = wd > 0 ? tf.sub(x, tf.mul(lr * wd, x)) : x;
            return [tf.sub(decayed, tf.mul(lr, s)), m1, v1];
          });
          expect(Array.from(await got.x.data())).toEqual(Array.from(await composed[0].data()));
          expect(Array.from(await got.m.data())).toEqual(Array.from(await composed[1].data()));
          expect(Array.from(await got.v.data())).toEqual(Array.from(await composed[2].data()));
          tf.dispose(composed);
        }
        tf.dispose([x, g, m, v, got.x, got.m, got.v]);
      });
    });
  }

  it('names a moment whose shape is not the weights\'', () => {
    const x = tf.zeros([2, 3]), g = tf.zeros([2, 3]), m = tf.zeros([3, 2]), v = tf.zeros([2, 3]);
    expect(() => adamwStep(x, g, m, v, { ...hyper, weightDecay: 0 })).toThrow("adamwStep: m has shape [3, 2]; expected the weights' [2, 3]");
    tf.dispose([x, g, m, v]);
  });
});
