// Conformance of swiGlu(gate, up) = silu(gate)·up: forward against the float64 loop, gradients of
// both inputs against finite differences, on every backend (the fused kernel on cpu and wasm,
// composed ops elsewhere); lengths that leave a SIMD tail of 1–3 elements; saturating gates.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from '@jest/globals';
import { swiGlu } from '../../src/index.js';
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
    });
  });
});
