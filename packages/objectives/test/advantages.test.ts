import {
  challengerAdvantagesLsp,
  challengerAdvantagesZero,
  groupValues,
  lspSolverRewards,
  solverAdvantages,
} from '@agon/objectives';

// The worked batch used across these tests: N = 2 queries × G = 3 answers.
//   R = [[1, 0, 0],        V(q1) = 1/3
//        [1, 1, 0.4]]      V(q2) = 2.4/3 = 0.8
const R = [
  [1, 0, 0],
  [1, 1, 0.4],
];
// Self-judge scores R_Q for the same answers: V_Q = [12/3, 15/3] = [4, 5].
const RQ = [
  [6, 3, 3],
  [7, 7, 1],
];

const close = (got: number[], want: number[], digits = 12) => {
  expect(got).toHaveLength(want.length);
  got.forEach((g, i) => expect(g).toBeCloseTo(want[i], digits));
};

describe('solver advantages (A = R − V)', () => {
  it('centres each group on its own mean and does not scale by default', () => {
    expect(groupValues(R)).toEqual([1 / 3, expect.closeTo(0.8, 12)]);
    const s = solverAdvantages(R);
    close(s.advantages[0], [1 - 1 / 3, 0 - 1 / 3, 0 - 1 / 3]);
    close(s.advantages[1], [1 - 0.8, 1 - 0.8, 0.4 - 0.8]);
    // Group sample stds (divisor G − 1 = 2): sqrt(((2/3)² + 2·(1/3)²)/2) and sqrt((2·0.2² + 0.4²)/2).
    close(s.stds, [Math.sqrt((4 / 9 + 2 / 9) / 2), Math.sqrt((2 * 0.04 + 0.16) / 2)]);
    expect(s.zeroStdCount).toBe(0);
    expect(s.keep).toEqual([true, true]);
  });

  it('divides by std + eps when scaleByStd is on', () => {
    const s = solverAdvantages(R, { scaleByStd: true, eps: 1e-4 });
    const sd1 = Math.sqrt(1 / 3);
    const sd2 = Math.sqrt(0.12);
    close(s.advantages[0], [(2 / 3) / (sd1 + 1e-4), (-1 / 3) / (sd1 + 1e-4), (-1 / 3) / (sd1 + 1e-4)]);
    close(s.advantages[1], [0.2 / (sd2 + 1e-4), 0.2 / (sd2 + 1e-4), -0.4 / (sd2 + 1e-4)]);
  });

  it('counts zero-variance groups, gives them zero advantage, and drops them only when asked', () => {
    const table = [[0.1 + 0.2, 0.1 + 0.2, 0.1 + 0.2], [1, 0, 0], [], [5]];
    const kept = solverAdvantages(table);
    expect(kept.zeroStd).toEqual([true, false, false, true]); // G = 1 has no variance either
    expect(kept.zeroStdCount).toBe(2);
    expect(kept.advantages[0]).toEqual([0, 0, 0]);
    expect(kept.advantages[2]).toEqual([]);
    expect(kept.keep).toEqual([true, true, false, true]); // the invalid query never enters the loss
    expect(solverAdvantages(table, { dropZeroStd: true }).keep).toEqual([false, true, false, false]);
    expect(solverAdvantages(table, { scaleByStd: true }).advantages[0]).toEqual([0, 0, 0]); // no 0/eps blow-up
  });

  it('refuses null or NaN rewards with the position', () => {
    expect(() => solverAdvantages([[1, null as unknown as number]])).toThrow('rewards[0][1] is null; expected a finite number');
    expect(() => solverAdvantages([[1], [Number.NaN]])).toThrow('rewards[1][0] is NaN');
  });
});

describe('challenger advantages, LSP-Zero (A = V̄ − V)', () => {
  it('rewards the query the Solver did worse on', () => {
    // V = [1/3, 0.8], V̄ = (1/3 + 0.8)/2 = 17/30; A = [17/30 − 10/30, 17/30 − 24/30].
    const c = challengerAdvantagesZero(R);
    close(c.rewards, [-1 / 3, -0.8]);
    expect(c.baseline).toBeCloseTo(-17 / 30, 12);
    close(c.advantages, [7 / 30, -7 / 30]);
  });

  it('gives invalid queries invalidReward and includes them in the baseline', () => {
    // rewards [−1/3, −0.8, −1]; baseline = −(1/3 + 0.8 + 1)/3 = −32/45.
    const c = challengerAdvantagesZero([...R, []], { invalidReward: -1 });
    expect(c.baseline).toBeCloseTo(-32 / 45, 12);
    close(c.advantages, [-1 / 3 + 32 / 45, -0.8 + 32 / 45, -1 + 32 / 45]);
    expect(() => challengerAdvantagesZero([...R, []])).toThrow('challengerAdvantagesZero: query 2 is invalid (no answers) but options.invalidReward is not set');
  });
});

describe('challenger advantages, LSP ((−V + w·V_Q) minus its batch mean)', () => {
  it('adds the mean self-judge score, with V taken from R alone', () => {
    // w = 1: r = [−1/3 + 4, −0.8 + 5] = [11/3, 4.2]; mean = 59/15; A = [11/3 − 59/15, 4.2 − 59/15] = [−4/15, 4/15].
    const c = challengerAdvantagesLsp(R, RQ);
    close(c.rewards, [11 / 3, 4.2]);
    close(c.advantages, [-4 / 15, 4 / 15]);
    // Note the sign flip against LSP-Zero: the second query's answers were judged better.
  });

  it('scales R_Q by qualityWeight', () => {
    // w = 1/7: r = [−1/3 + 4/7, −0.8 + 5/7]; A = r − mean(r).
    const r = [-1 / 3 + 4 / 7, -0.8 + 5 / 7];
    const m = (r[0] + r[1]) / 2;
    close(challengerAdvantagesLsp(R, RQ, { qualityWeight: 1 / 7 }).advantages, [r[0] - m, r[1] - m]);
    // w = 0 is LSP-Zero.
    close(challengerAdvantagesLsp(R, RQ, { qualityWeight: 0 }).advantages, challengerAdvantagesZero(R).advantages);
  });

  it('builds the Solver reward R + w·R_Q and its advantages', () => {
    const solverR = lspSolverRewards(R, RQ);
    expect(solverR).toEqual([
      [7, 3, 3],
      [8, 8, 1.4],
    ]);
    // V = [13/3, 17.4/3 = 5.8]; A = [[8/3, −4/3, −4/3], [2.2, 2.2, −4.4]].
    const s = solverAdvantages(solverR);
    close(s.advantages[0], [8 / 3, -4 / 3, -4 / 3]);
    close(s.advantages[1], [2.2, 2.2, -4.4]);
    expect(lspSolverRewards(R, RQ, { qualityWeight: 0.5 })[1]).toEqual([4.5, 4.5, 0.9]);
  });

  it('rejects a quality table of another shape', () => {
    expect(() => challengerAdvantagesLsp(R, [[1, 2, 3]])).toThrow('quality table shape [3] differs from rewards [3,3]');
  });
});
