// ropeCosSin: on cpu and wasm one kernel gives cos(p·freq) and sign·sin(p·freq) [B, T, 1, D] for
// int32 positions, matching float64 Math.cos / Math.sin to float32 rounding (2^-24 relative,
// 1e-7 absolute) at positions up to 10^5; other backends get undefined (callers compose);
// bad input is an error naming what was expected.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from '@jest/globals';
import { ropeCosSin } from '../../src/index.js';
import { describeEachBackend, expectNoLeaks } from '../../src/testing/index.js';

await describeEachBackend('ropeCosSin', (backend) => {
  const host = backend === 'cpu' || backend === 'wasm';
  const freq = [1, 1, 0.1, 0.1, 1e-4, 1e-4];
  const sign = [-1, 1, -1, 1, -1, 1];
  const pos = [[0, 1, 2, 511], [7, 4095, 32767, 100000]];

  it(host ? 'takes every angle in float64 (one kernel)' : 'is undefined here: callers compose the angles', () =>
    expectNoLeaks(async () => {
      const p = tf.tensor2d(pos, [2, 4], 'int32');
      const got = ropeCosSin(p, freq, sign);
      if (!host) {
        expect(got).toBeUndefined();
        p.dispose();
        return;
      }
      expect(got!.cos.shape).toEqual([2, 4, 1, 6]);
      const [c, s] = [await got!.cos.data(), await got!.sin.data()];
      pos.flat().forEach((pv, r) =>
        freq.forEach((f, d) => {
          expect(Math.abs(c[r * 6 + d] - Math.cos(pv * f))).toBeLessThanOrEqual(1e-7);
          expect(Math.abs(s[r * 6 + d] - sign[d] * Math.sin(pv * f))).toBeLessThanOrEqual(1e-7);
        }),
      );
      tf.dispose([p, got!.cos, got!.sin]);
    }),
  );

  it('rejects positions that are not [B, T] int32, and freq and sign of different lengths', () =>
    expectNoLeaks(() => {
      const f = tf.tensor2d([[0, 1]], [1, 2], 'float32');
      const i = tf.tensor1d([0, 1], 'int32');
      expect(() => ropeCosSin(f, freq, sign)).toThrow('ropeCosSin: positions must be [B, T] int32; got [1, 2] float32');
      expect(() => ropeCosSin(i, freq, sign)).toThrow('got [2] int32');
      const ok = tf.tensor2d([[0, 1]], [1, 2], 'int32');
      expect(() => ropeCosSin(ok, [1, 2], [1])).toThrow('ropeCosSin: freq (2) and sign (1) must have the same length D');
      tf.dispose([f, i, ok]);
    }),
  );
});
