import * as tf from '@tensorflow/tfjs-core';
import { klK1, klK2, klK3, makeKlK3, penalizeRewards, sequenceKl } from '@agon/objectives';
import { describeEachBackend } from '@agon/tensor/testing';
import { expectNoLeaks } from './tf-helpers.js';

// A 2 × 3 table of sampled-token log-probs under the policy and the reference.
const LP = [
  [-1.0, -2.0, -0.5],
  [-0.1, -3.0, -1.2],
];
const REF = [
  [-1.1, -1.8, -0.5],
  [-0.6, -2.0, -1.5],
];
// r = ref − logp, by hand: [[−0.1, 0.2, 0], [−0.5, 1.0, −0.3]].
const R = [
  [-0.1, 0.2, 0],
  [-0.5, 1.0, -0.3],
];

async function run(kl: typeof klK1, lp = LP, ref = REF): Promise<number[][]> {
  return expectNoLeaks(async () => {
    const a = tf.tensor2d(lp);
    const b = tf.tensor2d(ref);
    const out = kl(a, b);
    const v = (await out.array()) as number[][];
    tf.dispose([a, b, out]);
    return v;
  });
}

const expectClose = (got: number[][], want: number[][], digits = 6) =>
  got.forEach((row, i) => row.forEach((g, j) => expect(g).toBeCloseTo(want[i][j], digits)));

await describeEachBackend('per-token KL', () => {
  describe('estimators', () => {
    it('k1 is the log-ratio log π − log π_Ref = −r', async () => {
      expectClose(await run(klK1), [
        [0.1, -0.2, 0],
        [0.5, -1.0, 0.3],
      ]);
    });

    it('k2 is r²/2', async () => {
      expectClose(await run(klK2), [
        [0.005, 0.02, 0],
        [0.125, 0.5, 0.045],
      ]);
    });

    it('k3 is e^r − r − 1, never negative', async () => {
      const k3 = await run(klK3);
      expectClose(k3, R.map((row) => row.map((r) => Math.exp(r) - r - 1)));
      expect(k3[1][1]).toBeCloseTo(Math.E - 2, 6); // r = 1 by hand: e − 1 − 1
      expect(k3.flat().every((v) => v >= 0)).toBe(true);
    });

    it('k3 is clamped: |r| ≤ 20 before exp, value ≤ 10, and no gradient where clamped', async () => {
      // r = 30 → clamped to 20 → e^20 − 21 → capped at 10; r = −30 → −20 → e^−20 + 19 → 10; r = 2 → e² − 3 ≈ 4.389.
      expectClose(await run(klK3, [[0, 0, 0]], [[30, -30, 2]]), [[10, 10, Math.exp(2) - 3]], 4);
      expectClose(await run(makeKlK3({ maxValue: 1e9 }), [[0, 0]], [[30, -30]]), [[Math.exp(20) - 21, Math.exp(-20) + 19]], -3);
      await expectNoLeaks(async () => {
        const ref = tf.tensor1d([30, 2]);
        const lp0 = tf.zeros([2]);
        const g = tf.grad((lp: tf.Tensor) => tf.sum(klK3(lp, ref)))(lp0);
        // d/dlogp (e^r − r − 1) = −(e^r − 1) at r = 2; the clamped entry gets 0.
        const v = (await g.array()) as number[];
        expect(Math.abs(v[0])).toBe(0);
        expect(v[1]).toBeCloseTo(-(Math.exp(2) - 1), 4);
        tf.dispose([ref, lp0, g]);
      });
    });

    it('sums KL per sequence under the mask and subtracts β·KL from rewards', async () => {
      const klSeq = await expectNoLeaks(async () => {
        const [a, b, m] = [tf.tensor2d(LP), tf.tensor2d(REF), tf.tensor2d([[1, 1, 0], [1, 1, 1]])];
        const out = await sequenceKl(a, b, m, klK1);
        tf.dispose([a, b, m]);
        return out;
      });
      // k1 rows: [0.1 − 0.2 (third masked)] = −0.1; [0.5 − 1 + 0.3] = −0.2.
      expect(klSeq[0]).toBeCloseTo(-0.1, 6);
      expect(klSeq[1]).toBeCloseTo(-0.2, 6);
      expect(penalizeRewards([[1, 0]], [[2, 4]], 0.05)).toEqual([[0.9, -0.2]]);
      expect(() => penalizeRewards([[1, 0]], [[2]], 0.05)).toThrow('penalizeRewards: kl row 0 has 1 entries; expected 2');
    });
  });
});
