// Conformance of swiGlu(gate, up) = silu(gate)·up: forward against the float64 loop, gradients of
// both inputs against finite differences, on every backend (the fused kernel on cpu and wasm,
// composed ops elsewhere); lengths that leave a SIMD tail of 1–3 elements; saturating gates. The
// packed form swiGluPacked(gateUp) likewise, and bit for bit equal to swiGlu of its two halves.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from '@jest/globals';
import { swiGlu, swiGluPacked } from '../../src/index.js';
import { describeEachBackend, expectNoLeaks } from '../../src/testing/index.js';
import { expectClose, randn, read } from '../reference.js';
import { checkCase, tol } from './check.js';
import { swiglu as refSwiGlu } from './reference-ops.js';

await describeEachBackend('swiGlu', (backend) => {
  const shapes = [[3, 8], [2, 5, 17], [1, 1, 172], [7], [1, 3]];
  for (const shape of shapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    it(`[${shape.join(', ')}]: forward and gradients of gate and up`, () =>
      checkCase({
        inputs: [
          { shape, data: randn(n, 80 + n, 2) },
          { shape, data: randn(n, 81 + n) },
        ],
        run: (g, u) => swiGlu(g, u),
        ref: (g, u) => refSwiGlu(g, u),
        outShape: shape,
        forward: tol(backend, 1e-6, 1e-5),
        gradient: tol(backend, 1e-4, 1e-4),
      }));
  }

  // Rows of gate | up: widths with SIMD tails and a row count that makes the whole length odd.
  const packedShapes = [[3, 16], [2, 3, 10], [1, 344], [5, 2], [4]];
  for (const shape of packedShapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    const F = shape[shape.length - 1] / 2;
    const halves = (gu: ArrayLike<number>): [Float64Array, Float64Array] => {
      const g = new Float64Array(n / 2);
      const u = new Float64Array(n / 2);
      for (let r = 0; r < n / (2 * F); r++)
        for (let j = 0; j < F; j++) {
          g[r * F + j] = gu[2 * r * F + j];
          u[r * F + j] = gu[2 * r * F + F + j];
        }
      return [g, u];
    };
    it(`packed [${shape.join(', ')}]: forward and gradient of gateUp`, () =>
      checkCase({
        inputs: [{ shape, data: randn(n, 90 + n, 2) }],
        run: (gu) => swiGluPacked(gu),
        ref: (gu) => refSwiGlu(...halves(gu)),
        outShape: [...shape.slice(0, -1), F],
        forward: tol(backend, 1e-6, 1e-5),
        gradient: tol(backend, 1e-4, 1e-4),
      }));
  }

  it('packed: the same bits as swiGlu of the two halves, forward and backward', async () => {
    await expectNoLeaks(async () => {
      const gu = tf.tensor2d(Float32Array.from(randn(6 * 86, 7, 3)), [6, 86]);
      const dy = tf.tensor2d(Float32Array.from(randn(6 * 43, 8)), [6, 43]);
      const packed = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(swiGluPacked(x), dy)));
      const split = tf.grad((x: tf.Tensor) => {
        const [g, u] = tf.split(x, 2, -1);
        return tf.sum(tf.mul(swiGlu(g, u), dy));
      });
      const [y1, y2, d1, d2] = [swiGluPacked(gu), tf.tidy(() => swiGlu(...(tf.split(gu, 2, -1) as [tf.Tensor, tf.Tensor]))), packed(gu), split(gu)];
      expect(Array.from(await y1.data())).toEqual(Array.from(await y2.data()));
      expect(Array.from(await d1.data())).toEqual(Array.from(await d2.data()));
      tf.dispose([gu, dy, y1, y2, d1, d2]);
    });
  });

  it('saturating gates: σ reaches 0 and 1 without NaN or infinity', async () => {
    await expectNoLeaks(async () => {
      const gv = [-200, -120, -90, -30, -1e-3, 0, 1e-3, 30, 90, 120, 200];
      const g = tf.tensor1d(gv);
      const u = tf.tensor1d(gv.map((_, i) => 1 + i / 10));
      const y = swiGlu(g, u);
      const got = await read(y);
      expect(got.every(Number.isFinite)).toBe(true);
      expectClose(got, refSwiGlu(gv, await read(u)), { ...tol(backend, 1e-30, 1e-6), label: 'value' });
      tf.dispose([g, u, y]);
    });
  });

  it('rejects inputs that differ in shape or dtype, naming them', async () => {
    await expectNoLeaks(() => {
      const g = tf.zeros([2, 3]);
      const u = tf.zeros([2, 4]);
      const i = tf.zeros([2, 3], 'int32');
      expect(() => swiGlu(g, u)).toThrow('swiGlu: gate and up must have the same shape; got gate [2, 3], up [2, 4]');
      expect(() => swiGlu(g, i)).toThrow('swiGlu: gate and up must be float32; got float32 and int32');
      tf.dispose([g, u, i]);
      const odd = tf.zeros([2, 3]);
      const ints = tf.zeros([2, 4], 'int32');
      expect(() => swiGluPacked(odd)).toThrow('swiGluPacked: the last axis must hold gate and up side by side (an even length); got [2, 3]');
      expect(() => swiGluPacked(ints)).toThrow('swiGluPacked: gateUp must be float32; got int32');
      tf.dispose([odd, ints]);
    });
  });
});
