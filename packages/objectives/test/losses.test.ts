import * as tf from '@tensorflow/tfjs-core';
import type { Objective, PolicyBatch } from '@agon/core';
import {
  klK1,
  klK2,
  klK3,
  ppoClipLoss,
  reinforceLoss,
  sequenceMean,
  sequenceSum,
  tokenMean,
  type Aggregator,
  type KlEstimator,
} from '@agon/objectives';
import { describeEachBackend } from '@agon/tensor/testing';
import { expectNoLeaks, finiteDiff, refLoss, take, type Mat, type RefLossSpec } from './tf-helpers.js';

// The Solver side of the worked 2-query × 3-answer batch: R = [[1, 0, 0], [1, 1, 0.4]] gives
// A = [2/3, −1/3, −1/3, 0.2, 0.2, −0.4] (see advantages.test.ts). Each answer has ≤ 2 tokens; a
// padded position holds a finite junk value (−7.5) that must never count.
const ADV = [2 / 3, -1 / 3, -1 / 3, 0.2, 0.2, -0.4];
const LP: Mat = [[-1, -2], [-0.5, -7.5], [-1, -1], [-2, -1], [-0.5, -0.5], [-3, -7.5]];
const MASK: Mat = [[1, 1], [1, 0], [1, 1], [1, 1], [1, 1], [1, 0]];
// Reference log-probs LP + d; d by hand (0 on padding).
const D: Mat = [[0.1, -0.2], [0.3, 0], [0, 0.5], [-0.1, 0.2], [0.4, -0.3], [0.25, 0]];
const REF: Mat = LP.map((row, b) => row.map((x, t) => x + D[b][t]));
// Sampling-time log-probs: ratios e^(LP − OLD) = e^δ land in both clip regions and inside.
const DELTA: Mat = [[0.3, 0.05], [-0.4, 0], [0.1, -0.35], [0.33, -0.05], [-0.12, 0.4], [0.26, 0]];
const OLD: Mat = LP.map((row, b) => row.map((x, t) => x - DELTA[b][t]));

// By hand: sequence log-probs S_b = Σ_t m·logp = [−3, −0.5, −2, −3, −1, −3], lengths [2, 1, 2, 2, 2, 1].
const A_TIMES_S = (2 / 3) * -3 + (-1 / 3) * -0.5 + (-1 / 3) * -2 + 0.2 * -3 + 0.2 * -1 + -0.4 * -3; // = −23/30
// Σ_t m·k1 per answer with k1 = −d: [0.1, −0.3, −0.5, −0.1, −0.1, −0.25], total −1.15.
const K1_TOTAL = 0.1 - 0.3 - 0.5 - 0.1 - 0.1 - 0.25;

function batchOf(lp: tf.Tensor2D, opts: { ref?: Mat; old?: Mat; adv?: number[]; mask?: Mat } = {}): PolicyBatch {
  return {
    logprobs: lp,
    refLogprobs: opts.ref ? tf.tensor2d(opts.ref) : undefined,
    oldLogprobs: opts.old ? tf.tensor2d(opts.old) : undefined,
    advantages: tf.tensor1d(opts.adv ?? ADV),
    mask: tf.tensor2d(opts.mask ?? MASK),
  };
}

function disposeBatch(b: PolicyBatch): void {
  const owned: (tf.Tensor | undefined)[] = [b.refLogprobs, b.oldLogprobs, b.advantages, b.mask];
  tf.dispose(owned.filter((x): x is tf.Tensor => x !== undefined));
}

/** Loss value and metrics (as numbers) of `objective` on LP with the given extras. */
async function evaluate(objective: Objective, opts: Parameters<typeof batchOf>[1] = {}, lp: Mat = LP) {
  return expectNoLeaks(async () => {
    const x = tf.tensor2d(lp);
    const b = batchOf(x, opts);
    const { loss, metrics } = objective.loss(b);
    const out = { loss: await take(loss), metrics: Object.fromEntries(await Promise.all(Object.entries(metrics).map(async ([k, v]) => [k, await take(v)]))) };
    disposeBatch(b);
    x.dispose();
    return out;
  });
}

/** d loss / d logprobs through tfjs autodiff. */
async function gradient(objective: Objective, opts: Parameters<typeof batchOf>[1] = {}, lp: Mat = LP): Promise<Mat> {
  return expectNoLeaks(async () => {
    const x = tf.tensor2d(lp);
    const b = batchOf(x, opts);
    const g = tf.grad((y: tf.Tensor) => {
      const { loss, metrics } = objective.loss({ ...b, logprobs: y as tf.Tensor2D });
      tf.dispose(Object.values(metrics));
      return loss;
    })(x);
    const out = (await g.array()) as Mat;
    tf.dispose([g, x]);
    disposeBatch(b);
    return out;
  });
}

const AGGS: [RefLossSpec['agg'], Aggregator][] = [['tokenMean', tokenMean], ['sequenceMean', sequenceMean], ['sequenceSum', sequenceSum]];
const KLS: [RefLossSpec['kl'], KlEstimator][] = [['k1', klK1], ['k2', klK2], ['k3', klK3]];

// Every loss runs on every backend under test (cpu, wasm, webgpu; see @agon/tensor/testing).
await describeEachBackend('policy losses', () => {
  describe('reinforceLoss (the paper’s Eqs. 4–5)', () => {
    it('matches the hand-worked batch for each aggregation, β = 0', async () => {
      expect((await evaluate(reinforceLoss({ aggregation: sequenceSum }))).loss).toBeCloseTo(-A_TIMES_S / 6, 6); // 23/180
      expect((await evaluate(reinforceLoss({ aggregation: tokenMean }))).loss).toBeCloseTo(-A_TIMES_S / 10, 6); // 10 tokens
      // Per-answer token means of −A·logp: [2/2, −(1/6)/1, −(2/3)/2, 0.6/2, 0.2/2, −1.2/1] = [1, −1/6, −1/3, 0.3, 0.1, −1.2].
      expect((await evaluate(reinforceLoss({ aggregation: sequenceMean }))).loss).toBeCloseTo((1 - 1 / 6 - 1 / 3 + 0.3 + 0.1 - 1.2) / 6, 6);
      expect((await evaluate(reinforceLoss())).loss).toBeCloseTo(-A_TIMES_S / 6, 6); // default: the paper's sequence sum
    });

    it('adds β·KL per token in the loss (hand-worked with k1) and reports the token-mean KL', async () => {
      const { loss, metrics } = await evaluate(reinforceLoss({ beta: 0.05, kl: klK1 }), { ref: REF });
      expect(loss).toBeCloseTo((-A_TIMES_S + 0.05 * K1_TOTAL) / 6, 6);
      expect(metrics.kl).toBeCloseTo(K1_TOTAL / 10, 6);
      // β = 0 with a reference: KL is reported but not in the loss.
      const noKl = await evaluate(reinforceLoss({ beta: 0, kl: klK1 }), { ref: REF });
      expect(noKl.loss).toBeCloseTo(-A_TIMES_S / 6, 6);
      expect(noKl.metrics.kl).toBeCloseTo(K1_TOTAL / 10, 6);
    });

    it('gives the hand-derived gradient: −A_b/B on every counted token, 0 on padding', async () => {
      const g = await gradient(reinforceLoss({ aggregation: sequenceSum }));
      g.forEach((row, b) => row.forEach((v, t) => expect(v).toBeCloseTo(MASK[b][t] ? -ADV[b] / 6 : 0, 6)));
    });

    for (const [aggName, agg] of AGGS) {
      for (const [klName, kl] of KLS) {
        it(`agrees with the float64 reference and its finite differences (${aggName}, ${klName}, β = 0.05)`, async () => {
          const spec: RefLossSpec = { kind: 'reinforce', beta: 0.05, kl: klName, agg: aggName };
          const objective = reinforceLoss({ beta: 0.05, kl, aggregation: agg });
          const f = (lp: Mat) => refLoss(lp, REF, OLD, ADV, MASK, spec);
          expect((await evaluate(objective, { ref: REF })).loss).toBeCloseTo(f(LP), 5);
          const fd = finiteDiff(f, LP);
          const g = await gradient(objective, { ref: REF });
          g.forEach((row, b) => row.forEach((v, t) => expect(v).toBeCloseTo(fd[b][t], 5)));
        });
      }
    }

    it('does not count fully masked rows as sequences, and ignores NaN in padding', async () => {
      const mask = [...MASK.slice(0, 5), [0, 0]];
      const lp = LP.map((row, b) => (b === 5 ? [Number.NaN, Number.NaN] : row));
      const a5 = (2 / 3) * -3 + (-1 / 3) * -0.5 + (-1 / 3) * -2 + 0.2 * -3 + 0.2 * -1; // without answer 6
      expect((await evaluate(reinforceLoss({ aggregation: sequenceSum }), { mask }, lp)).loss).toBeCloseTo(-a5 / 5, 6);
      expect((await evaluate(reinforceLoss({ aggregation: sequenceMean }), { mask }, lp)).loss).toBeCloseTo((1 - 1 / 6 - 1 / 3 + 0.3 + 0.1) / 5, 6);
    });

    it('keeps −∞ and NaN padding out of the value and the gradient, KL included', async () => {
      // Padding of the policy, reference and sampling-time log-probs holds −∞ / NaN; the result and
      // the gradient must equal the finite-padding case exactly, with 0 on every padded position.
      const junk = (m: Mat, v: number) => m.map((row, b) => row.map((x, t) => (MASK[b][t] ? x : v)));
      for (const objective of [reinforceLoss({ beta: 0.05 }), ppoClipLoss({ beta: 0.05 })]) {
        const clean = { ref: REF, old: OLD };
        const dirty = { ref: junk(REF, Number.NaN), old: junk(OLD, -Infinity) };
        const lpDirty = junk(LP, -Infinity);
        expect((await evaluate(objective, dirty, lpDirty)).loss).toBeCloseTo((await evaluate(objective, clean)).loss, 6);
        const g = await gradient(objective, dirty, lpDirty);
        const g0 = await gradient(objective, clean);
        g.forEach((row, b) =>
          row.forEach((v, t) => {
            expect(Number.isFinite(v)).toBe(true);
            expect(v).toBeCloseTo(MASK[b][t] ? g0[b][t] : 0, 6);
          }),
        );
      }
    });

    it('explains bad input', async () => {
      const x = tf.tensor2d(LP);
      const b = batchOf(x);
      expect(() => reinforceLoss({ beta: 0.1 }).loss(b)).toThrow('reinforceLoss: batch.refLogprobs is missing; it is needed when beta > 0');
      const short = { ...b, advantages: tf.tensor1d([1, 2]) };
      expect(() => reinforceLoss().loss(short)).toThrow('reinforceLoss: batch.advantages has shape [2]; expected [6]');
      expect(() => reinforceLoss({ beta: -1 })).toThrow('reinforceLoss: option beta must be a finite number ≥ 0, got -1');
      tf.dispose([x, short.advantages]);
      disposeBatch(b);
    });
  });

  describe('ppoClipLoss', () => {
    it('clips by hand on a 2 × 2 batch (ε = 0.2)', async () => {
      // ratios [[1.5, 1.1], [0.5, 0.9]], A = [1, −1]:
      //   (1.5, A=1): min(1.5, 1.2) = 1.2 clipped; (1.1, A=1): 1.1; (0.5, A=−1): min(−0.5, −0.8) = −0.8 clipped; (0.9): −0.9.
      // token mean of −[1.2, 1.1, −0.8, −0.9] = −0.6/4 = −0.15; clip fraction 2/4.
      const lp = [[Math.log(1.5), Math.log(1.1)], [Math.log(0.5), Math.log(0.9)]];
      const opts = { old: [[0, 0], [0, 0]], adv: [1, -1], mask: [[1, 1], [1, 1]] };
      const { loss, metrics } = await evaluate(ppoClipLoss(), opts, lp);
      expect(loss).toBeCloseTo(-0.15, 6);
      expect(metrics.clipFraction).toBeCloseTo(0.5, 6);
      expect(metrics.ratioMean).toBeCloseTo((1.5 + 1.1 + 0.5 + 0.9) / 4, 6);
      // Gradient: 0 where clipped; −ρ·A/4 elsewhere.
      const g = await gradient(ppoClipLoss(), opts, lp);
      expect(g[0][0]).toBeCloseTo(0, 6);
      expect(g[0][1]).toBeCloseTo(-1.1 / 4, 6);
      expect(g[1][0]).toBeCloseTo(0, 6);
      expect(g[1][1]).toBeCloseTo(0.9 / 4, 6);
      // A wider upper clip (ε_high = 0.6) lets ratio 1.5 through: −(1.5 + 1.1 − 0.8 − 0.9)/4.
      expect((await evaluate(ppoClipLoss({ epsHigh: 0.6 }), opts, lp)).loss).toBeCloseTo(-0.9 / 4, 6);
    });

    it('equals REINFORCE’s gradient on the first update (ratio 1)', async () => {
      const ppo = await gradient(ppoClipLoss({ aggregation: tokenMean }), { old: LP });
      const pg = await gradient(reinforceLoss({ aggregation: tokenMean }), {});
      ppo.forEach((row, b) => row.forEach((v, t) => expect(v).toBeCloseTo(pg[b][t], 6)));
    });

    for (const [aggName, agg] of AGGS) {
      for (const [klName, kl] of KLS) {
        it(`agrees with the float64 reference and its finite differences (${aggName}, ${klName}, β = 0.05, ε 0.2/0.28)`, async () => {
          const spec: RefLossSpec = { kind: 'ppo', beta: 0.05, kl: klName, agg: aggName, epsLow: 0.2, epsHigh: 0.28 };
          const objective = ppoClipLoss({ beta: 0.05, kl, aggregation: agg, epsLow: 0.2, epsHigh: 0.28 });
          const f = (lp: Mat) => refLoss(lp, REF, OLD, ADV, MASK, spec);
          expect((await evaluate(objective, { ref: REF, old: OLD })).loss).toBeCloseTo(f(LP), 5);
          const fd = finiteDiff(f, LP);
          const g = await gradient(objective, { ref: REF, old: OLD });
          g.forEach((row, b) => row.forEach((v, t) => expect(v).toBeCloseTo(fd[b][t], 5)));
        });
      }
    }

    it('needs the sampling-time log-probs', async () => {
      const x = tf.tensor2d(LP);
      const b = batchOf(x);
      expect(() => ppoClipLoss().loss(b)).toThrow('ppoClipLoss: batch.oldLogprobs is missing; it is needed for the probability ratio');
      expect(() => ppoClipLoss({ epsLow: 1 })).toThrow('ppoClipLoss: option epsLow must be below 1, got 1');
      tf.dispose(x);
      disposeBatch(b);
    });
  });
  it('say whether they read the reference: only with a KL penalty (β > 0)', () => {
    expect([reinforceLoss().needsReference, reinforceLoss({ beta: 0.05 }).needsReference]).toEqual([false, true]);
    expect([ppoClipLoss().needsReference, ppoClipLoss({ beta: 0.05 }).needsReference]).toEqual([false, true]);
  });
});
