import * as tf from '@tensorflow/tfjs-core';
import { challengerAdvantagesZero, meanTokenEntropy, rolloutMetrics, solverAdvantages } from '@agon/objectives';
import { expectNoLeaks, take, useCpu } from './tf-helpers.js';

beforeAll(useCpu);

describe('rolloutMetrics', () => {
  it('summarises the worked batch plus one invalid query, by hand', () => {
    const R = [[1, 0, 0], [1, 1, 0.4], []];
    const s = solverAdvantages(R);
    const c = challengerAdvantagesZero(R, { invalidReward: -1 });
    const m = rolloutMetrics({
      solverRewards: R,
      challengerRewards: c.rewards,
      queryValid: [true, true, false],
      queryTokens: [6, 9, 30],
      solverFinish: ['stop', 'stop', 'length', 'stop', 'stop', 'stop'],
      challengerFinish: ['stop', 'stop', 'length'],
      zeroStdGroups: s.zeroStdCount,
    });
    // Solver rewards {1, 0, 0, 1, 1, 0.4}: mean 3.4/6; population std by hand.
    const mean = 3.4 / 6;
    const std = Math.sqrt([1, 0, 0, 1, 1, 0.4].reduce((a, r) => a + (r - mean) ** 2, 0) / 6);
    expect(m['reward/solver/mean']).toBeCloseTo(mean, 12);
    expect(m['reward/solver/std']).toBeCloseTo(std, 12);
    // Challenger rewards [−1/3, −0.8, −1]: mean −32/45.
    expect(m['reward/challenger/mean']).toBeCloseTo(-32 / 45, 12);
    expect(m['reward/challenger/std']).toBeCloseTo(Math.sqrt(((-1 / 3 + 32 / 45) ** 2 + (-0.8 + 32 / 45) ** 2 + (-1 + 32 / 45) ** 2) / 3), 12);
    expect(m.zeroStdFraction).toBe(0);
    expect(m['truncated/solver']).toBeCloseTo(1 / 6, 12);
    expect(m['truncated/challenger']).toBeCloseTo(1 / 3, 12);
    expect(m.invalidQueryFraction).toBeCloseTo(1 / 3, 12);
    expect(m['challenger/queryLength']).toBe(15);
  });

  it('counts the zero-std fraction among valid groups and reports NaN, not 0, for empty sets', () => {
    const m = rolloutMetrics({
      solverRewards: [[1, 1], [0, 1], []],
      challengerRewards: [],
      queryValid: [true, true, false],
      queryTokens: [],
      solverFinish: [],
      challengerFinish: [],
      zeroStdGroups: solverAdvantages([[1, 1], [0, 1], []]).zeroStdCount,
    });
    expect(m.zeroStdFraction).toBe(0.5);
    expect(m['reward/challenger/mean']).toBeNaN();
    expect(m['truncated/solver']).toBeNaN();
  });
});

describe('meanTokenEntropy', () => {
  it('matches a float64 loop over the counted tokens', async () => {
    const logits = [
      [[0, 0, 0, 0], [2, -1, 0.5, 3]],
      [[10, 0, 0, 0], [1, 2, 3, 4]],
    ];
    const mask = [[1, 1], [1, 0]];
    const H = (row: number[]) => {
      const mx = Math.max(...row);
      const z = row.reduce((a, x) => a + Math.exp(x - mx), 0);
      return -row.reduce((a, x) => {
        const lp = x - mx - Math.log(z);
        return a + Math.exp(lp) * lp;
      }, 0);
    };
    // By hand: the first token is uniform over 4, H = ln 4.
    expect(H(logits[0][0])).toBeCloseTo(Math.log(4), 12);
    const want = (H(logits[0][0]) + H(logits[0][1]) + H(logits[1][0])) / 3;
    const got = await expectNoLeaks(async () => {
      const l = tf.tensor3d(logits);
      const m = tf.tensor2d(mask);
      const h = await take(meanTokenEntropy(l, m));
      tf.dispose([l, m]);
      return h;
    });
    expect(got).toBeCloseTo(want, 5);
  });
});
