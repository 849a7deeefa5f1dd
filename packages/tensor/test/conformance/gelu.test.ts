// Conformance of gelu(x, form) in both forms: forward against the float64 loop (erf from its
// series / continued fraction), the gradient against finite differences, on every backend (the
// fused kernel on cpu and wasm, composed ops elsewhere); lengths that leave a SIMD tail; large
// inputs where tanh and erf saturate.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from '@jest/globals';
import { gelu, type GeluForm } from '../../src/index.js';
import { describeEachBackend, expectNoLeaks } from '../../src/testing/index.js';
import { expectClose, randn, read } from '../reference.js';
import { checkCase, tol } from './check.js';
import { erf64, gelu as refGelu } from './reference-ops.js';

it('the float64 erf reference is erf (known values, both branches)', () => {
  // erf(0.5), erf(1), erf(2), erf(3) to 16 digits (Abramowitz & Stegun table 7.1 / DLMF).
  const known: [number, number][] = [[0.5, 0.5204998778130465], [1, 0.8427007929497149], [2, 0.9953222650189527], [3, 0.9999779095030014]];
  for (const [z, v] of known) {
    expect(Math.abs(erf64(z) - v)).toBeLessThan(1e-14);
    expect(erf64(-z)).toBe(-erf64(z));
  }
});

await describeEachBackend('gelu', (backend) => {
  const shapes = [[3, 8], [2, 5, 17], [7], [1, 1, 256]];
  for (const form of ['tanh', 'exact'] as GeluForm[]) {
    for (const shape of shapes) {
      const n = shape.reduce((a, b) => a * b, 1);
      it(`${form}, [${shape.join(', ')}]: forward and gradient`, () =>
        checkCase({
          inputs: [{ shape, data: randn(n, 60 + n, 2) }],
          run: (x) => gelu(x, form),
          ref: (x) => refGelu(x, form),
          outShape: shape,
          forward: tol(backend, 1e-6, 1e-5),
          gradient: tol(backend, 1e-4, 1e-4),
        }));
    }

    it(`${form}: large inputs saturate to x and 0 without NaN`, async () => {
      await expectNoLeaks(async () => {
        const xv = [-1e4, -200, -30, -9, -5, 5, 9, 30, 200, 1e4];
        const x = tf.tensor1d(xv);
        const y = gelu(x, form);
        const got = await read(y);
        expect(got.every(Number.isFinite)).toBe(true);
        expectClose(got, refGelu(xv, form), { ...tol(backend, 1e-5, 1e-6), label: 'value' });
        tf.dispose([x, y]);
      });
    });
  }

  it('rejects an unknown form and a non-float input, naming them', async () => {
    await expectNoLeaks(() => {
      const x = tf.zeros([2]);
      const i = tf.zeros([2], 'int32');
      expect(() => gelu(x, 'erf' as GeluForm)).toThrow("gelu: form must be 'tanh' or 'exact'; got 'erf'");
      expect(() => gelu(i, 'tanh')).toThrow('gelu: x must be float32; got int32');
      tf.dispose([x, i]);
    });
  });
});
