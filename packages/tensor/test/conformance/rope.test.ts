// Conformance of rope(x, cos, sin, layout) in both layouts: forward against the float64 loop,
// gradients of x, cos and sin against finite differences, on every backend (the fused kernel on
// cpu and wasm, composed ops elsewhere); head sizes whose halves or pairs leave a SIMD tail; real
// angles rotate by θ and the gradient of a rotation is the inverse rotation.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from '@jest/globals';
import { rope, type RopeLayout } from '../../src/index.js';
import { describeEachBackend, expectNoLeaks } from '../../src/testing/index.js';
import { expectClose, randn, read } from '../reference.js';
import { checkCase, tol } from './check.js';
import { rope as refRope } from './reference-ops.js';

await describeEachBackend('rope', (backend) => {
  const shapes = [[2, 3, 4, 8], [1, 1, 2, 6], [2, 5, 3, 16], [3, 2, 2]];
  for (const layout of ['halves', 'interleaved'] as RopeLayout[]) {
    for (const shape of shapes) {
      const D = shape[shape.length - 1];
      const H = shape[shape.length - 2];
      const angleShape = [...shape.slice(0, -2), 1, D];
      const n = shape.reduce((a, b) => a * b, 1);
      const na = n / H;
      it(`${layout}, x [${shape.join(', ')}]: forward and gradients of x, cos and sin`, () =>
        checkCase({
          inputs: [
            { shape, data: randn(n, 90 + n) },
            { shape: angleShape, data: randn(na, 91 + na) },
            { shape: angleShape, data: randn(na, 92 + na) },
          ],
          run: (x, c, s) => rope(x, c, s, layout),
          ref: (x, c, s) => refRope(x, c, s, H, D, layout),
          outShape: shape,
          forward: tol(backend, 1e-6, 1e-5),
          gradient: tol(backend, 1e-4, 1e-4),
        }));
    }
  }

  it('real angles rotate each pair by θ, and the gradient rotates dy back by −θ', async () => {
    await expectNoLeaks(async () => {
      // One position, two heads, D = 4 halves: pairs (0, 2) at θ0 and (1, 3) at θ1.
      const [t0, t1] = [0.7, -2.1];
      const x = tf.tensor4d([1, 2, 3, 4, -1, 0.5, 2, -3], [1, 1, 2, 4]);
      const cos = tf.tensor4d([Math.cos(t0), Math.cos(t1), Math.cos(t0), Math.cos(t1)], [1, 1, 1, 4]);
      const sin = tf.tensor4d([-Math.sin(t0), -Math.sin(t1), Math.sin(t0), Math.sin(t1)], [1, 1, 1, 4]);
      const rot = (a: number, b: number, t: number) => [a * Math.cos(t) - b * Math.sin(t), a * Math.sin(t) + b * Math.cos(t)];
      const want = new Float64Array(8);
      const xv = await read(x);
      for (const h of [0, 4]) {
        for (const [i, t] of [[0, t0], [1, t1]] as const) [want[h + i], want[h + i + 2]] = rot(xv[h + i], xv[h + i + 2], t);
      }
      const y = rope(x, cos, sin, 'halves');
      expectClose(await read(y), want, { ...tol(backend, 1e-6, 1e-6), label: 'rotation' });
      // d(Σ dy·y)/dx with dy = y is the inverse rotation of y, i.e. x itself.
      const dx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(rope(xi, cos, sin, 'halves'), y)))(x);
      expectClose(await read(dx), xv, { ...tol(backend, 1e-6, 1e-6), label: 'inverse rotation' });
      tf.dispose([x, cos, sin, y, dx]);
    });
  });

  it('rejects angles that do not fit, an odd head size and an unknown layout, naming them', async () => {
    await expectNoLeaks(() => {
      const x = tf.zeros([1, 2, 3, 4]);
      const c = tf.zeros([1, 2, 1, 4]);
      const bad = tf.zeros([1, 2, 3, 4]);
      const odd = tf.zeros([1, 2, 3, 5]);
      const c5 = tf.zeros([1, 2, 1, 5]);
      expect(() => rope(x, bad, c, 'halves')).toThrow('rope: x must be [..., H, D] with D even and cos, sin [..., 1, D] of the same leading dimensions; got x [1, 2, 3, 4], cos [1, 2, 3, 4], sin [1, 2, 1, 4]');
      expect(() => rope(odd, c5, c5, 'interleaved')).toThrow('got x [1, 2, 3, 5]');
      expect(() => rope(x, c, c, 'pairs' as RopeLayout)).toThrow("rope: layout must be 'halves' or 'interleaved'; got 'pairs'");
      tf.dispose([x, c, bad, odd, c5]);
    });
  });
});
