// Conformance of layerNorm(x, w, b, ε): forward against the float64 loop, gradients of x, w and b
// against finite differences, on every backend (the fused kernel on cpu and wasm, composed ops
// elsewhere), the fused kernel against the composed ops on the same backend, and bad shapes named.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from '@jest/globals';
import { layerNorm } from '../../src/index.js';
import { describeEachBackend, expectNoLeaks } from '../../src/testing/index.js';
import { expectClose, randn, read } from '../reference.js';
import { checkCase, tol } from './check.js';
import { layernorm as refLayerNorm } from './reference-ops.js';

await describeEachBackend('layerNorm', (backend) => {
  const cases: [number[], number][] = [
    [[3, 8], 1e-5],
    [[2, 5, 16], 1e-6],
    [[1, 1, 64], 1e-5],
    [[4, 9, 48], 1e-5],
    [[5, 37], 1e-5], // a width that is not a multiple of the four SIMD lanes
    [[2, 3, 768], 1e-5], // GPT-2's width
  ];
  for (const [shape, eps] of cases) {
    const D = shape[shape.length - 1];
    const n = shape.reduce((a, b) => a * b, 1);
    it(`x [${shape.join(', ')}], ε ${eps}: forward and gradients of x, w and b`, () =>
      checkCase({
        inputs: [
          { shape, data: randn(n, 80 + D).map((v) => 0.5 + 2 * v) },
          { shape: [D], data: randn(D, 81).map((v) => 1 + 0.3 * v) },
          { shape: [D], data: randn(D, 82, 0.2) },
        ],
        run: (x, w, b) => layerNorm(x, w, b, eps),
        ref: (x, w, b) => refLayerNorm(x, w, b, D, eps),
        outShape: shape,
        forward: tol(backend, 1e-5, 1e-5),
        gradient: tol(backend, 1e-4, 1e-4),
      }));
  }

  it('the fused kernel equals the composed ops in value and gradient (within float32 rounding)', async () => {
    await expectNoLeaks(async () => {
      const x = tf.tensor3d(Float32Array.from(randn(2 * 6 * 32, 15)), [2, 6, 32]);
      const w = tf.tensor1d(Float32Array.from(randn(32, 16)));
      const b = tf.tensor1d(Float32Array.from(randn(32, 17)));
      const dy = tf.tensor3d(Float32Array.from(randn(2 * 6 * 32, 18)), [2, 6, 32]);
      const composed = (a: tf.Tensor, g: tf.Tensor, c: tf.Tensor) => {
        const centred = tf.sub(a, tf.mean(a, -1, true));
        return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), 1e-5))), g), c);
      };
      const f = tf.grads((a: tf.Tensor, g: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(layerNorm(a, g, c, 1e-5), dy)));
      const k = tf.grads((a: tf.Tensor, g: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(composed(a, g, c), dy)));
      const [gf, gc] = [f([x, w, b]), k([x, w, b])];
      const [yf, yc] = [layerNorm(x, w, b, 1e-5), tf.tidy(() => composed(x, w, b))];
      expectClose(await read(yf), await read(yc), { ...tol(backend, 1e-5, 1e-5), label: 'value' });
      for (let i = 0; i < 3; i++) expectClose(await read(gf[i]!), await read(gc[i]!), { ...tol(backend, 1e-5, 1e-4), label: `gradient ${i}` });
      tf.dispose([x, w, b, dy, yf, yc, ...gf, ...gc]);
    });
  });

  it('names the shapes when w or b does not fit x', () => {
    const x = tf.zeros([2, 4]), w = tf.ones([4]), b = tf.zeros([3]);
    expect(() => layerNorm(x, w, b, 1e-5)).toThrow('layerNorm: w and b must be [D] for x [..., D]; got x [2, 4], w [4], b [3]');
    tf.dispose([x, w, b]);
  });
});
