// Invariants of the advantage formulas over random reward tables (fast-check).
import fc from 'fast-check';
import { challengerAdvantagesLsp, challengerAdvantagesZero, groupValues, lspSolverRewards, solverAdvantages } from '@agon/objectives';

const reward = fc.double({ min: -10, max: 10, noNaN: true });
const table = fc.array(fc.array(reward, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 });
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('advantage invariants', () => {
  it('solver advantages sum to zero within every group, and R = V + A', () => {
    fc.assert(
      fc.property(table, (R) => {
        const s = solverAdvantages(R);
        const V = groupValues(R);
        s.advantages.forEach((row, i) => {
          expect(Math.abs(sum(row))).toBeLessThan(1e-9 * (1 + row.length * 10));
          row.forEach((a, j) => expect(V[i] + a).toBeCloseTo(R[i][j], 9));
        });
      }),
    );
  });

  it('challenger advantages sum to zero over the batch and order queries by −V', () => {
    fc.assert(
      fc.property(table, (R) => {
        const c = challengerAdvantagesZero(R);
        const V = groupValues(R);
        expect(Math.abs(sum(c.advantages))).toBeLessThan(1e-9 * (1 + R.length * 10));
        for (let i = 0; i < R.length; i++) {
          for (let k = 0; k < R.length; k++) {
            // The query the Solver did worse on never gets the smaller Challenger advantage.
            if (V[i] < V[k] - 1e-9) expect(c.advantages[i]).toBeGreaterThan(c.advantages[k]);
          }
        }
      }),
    );
  });

  it('LSP with quality weight w equals LSP-Zero plus w·(V_Q − mean V_Q)', () => {
    fc.assert(
      fc.property(table, fc.double({ min: 0, max: 2, noNaN: true }), fc.integer({ min: 0, max: 1000 }), (R, w, seed) => {
        const Q = R.map((row, i) => row.map((_r, j) => ((seed + 7 * i + 3 * j) % 8)));
        const zero = challengerAdvantagesZero(R).advantages;
        const lsp = challengerAdvantagesLsp(R, Q, { qualityWeight: w }).advantages;
        const VQ = groupValues(Q);
        const mVQ = sum(VQ) / VQ.length;
        lsp.forEach((a, i) => expect(a).toBeCloseTo(zero[i] + w * (VQ[i] - mVQ), 9));
        // And the LSP Solver reward shifts each answer by exactly w·R_Q.
        lspSolverRewards(R, Q, { qualityWeight: w }).forEach((row, i) => row.forEach((x, j) => expect(x - R[i][j]).toBeCloseTo(w * Q[i][j], 9)));
      }),
    );
  });

  it('scaling by std gives unit sample std in every group with spread', () => {
    fc.assert(
      fc.property(table, (R) => {
        const s = solverAdvantages(R, { scaleByStd: true, eps: 0 });
        s.advantages.forEach((row, i) => {
          if (s.zeroStd[i] || row.length < 2 || s.stds[i] < 1e-6) return;
          const m = sum(row) / row.length;
          const sd = Math.sqrt(sum(row.map((a) => (a - m) ** 2)) / (row.length - 1));
          expect(sd).toBeCloseTo(1, 6);
        });
      }),
    );
  });
});
