// agon's objective configured as TRL's GRPO — group-centred advantages scaled by the group's std
// (solverAdvantages with scaleByStd), the two-sided clipped ratio, k3 KL with weight β, token-mean
// aggregation (ppoClipLoss with tokenMean) — gives TRL 1.13's advantages, loss and gradient on the
// same log-probs. golden/trl-grpo.json comes from TRL's own GRPOTrainer._compute_loss
// (tools/trl_grpo.py; tools/test/trl-grpo.test.ts re-runs it in CI). float32 here against float64
// there: advantages within 1e-6, loss and gradient within 1e-5 relative.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type { PolicyBatch } from '@agon/core';
import { klK3, ppoClipLoss, reinforceLoss, solverAdvantages, tokenMean } from '@agon/objectives';
import { expectNoLeaks, take, useCpu } from './tf-helpers.js';

interface TrlCase {
  loss_type: string;
  beta: number;
  epsilon_low: number;
  epsilon_high: number;
  rewards: number[][];
  mask: number[][];
  logprobs: number[][];
  old_logprobs: number[][] | null;
  ref_logprobs: number[][];
  advantages: number[];
  loss: number;
  grad: number[][];
}
const golden = JSON.parse(readFileSync(new URL('./golden/trl-grpo.json', import.meta.url), 'utf8')) as { trl: string; cases: TrlCase[] };

const close = (got: number, want: number, rel: number) => Math.abs(got - want) <= rel * Math.max(1, Math.abs(want));

beforeAll(useCpu);

describe(`TRL ${golden.trl} GRPO loss`, () => {
  for (const c of golden.cases) {
    const name = `${c.loss_type}, β = ${c.beta}, ε = (${c.epsilon_low}, ${c.epsilon_high}), ${c.old_logprobs ? 'off-policy' : 'on-policy'}`;
    it(`${name}: advantages, loss and gradient`, () =>
      expectNoLeaks(async () => {
        const { advantages } = solverAdvantages(c.rewards, { scaleByStd: true });
        advantages.flat().forEach((a, i) => expect({ i, ok: close(a, c.advantages[i], 1e-6) }).toEqual({ i, ok: true }));
        // Junk on padding must not count, as TRL multiplies it by the mask.
        const lpJunk = c.logprobs.map((row, b) => row.map((x, t) => (c.mask[b][t] ? x : -50)));
        const logprobs = tf.tensor2d(lpJunk);
        const batchOf = (lp: tf.Tensor2D): PolicyBatch => ({
          logprobs: lp,
          oldLogprobs: tf.tensor2d(c.old_logprobs ?? c.logprobs),
          refLogprobs: tf.tensor2d(c.ref_logprobs),
          mask: tf.tensor2d(c.mask),
          advantages: tf.tensor1d(advantages.flat()),
        });
        const objective = ppoClipLoss({ epsLow: c.epsilon_low, epsHigh: c.epsilon_high, beta: c.beta, kl: klK3, aggregation: tokenMean });
        const { value, grad } = tf.valueAndGrad((lp: tf.Tensor) => objective.loss(batchOf(lp as tf.Tensor2D)).loss)(logprobs);
        expect(close(await take(value), c.loss, 1e-5)).toBe(true);
        const g = (await grad.array()) as number[][];
        g.forEach((row, b) => row.forEach((x, t) => expect({ b, t, ok: close(x, c.grad[b][t], 1e-5) }).toEqual({ b, t, ok: true })));
        if (!c.old_logprobs) {
          // On-policy (ratio 1) the REINFORCE form has the same gradient.
          const reinforce = reinforceLoss({ beta: c.beta, kl: klK3, aggregation: tokenMean });
          const g2 = tf.grad((lp: tf.Tensor) => reinforce.loss(batchOf(lp as tf.Tensor2D)).loss)(logprobs);
          const rows = (await g2.array()) as number[][];
          rows.forEach((row, b) => row.forEach((x, t) => expect({ b, t, ok: close(x, c.grad[b][t], 1e-5) }).toEqual({ b, t, ok: true })));
          g2.dispose();
        }
        tf.dispose([logprobs, grad]);
      }));
  }

  it('the golden exercises both clip sides, the KL term and padding', () => {
    const off = golden.cases.find((c) => c.old_logprobs);
    if (!off?.old_logprobs) throw new Error('an off-policy case expected');
    let low = 0;
    let high = 0;
    off.logprobs.forEach((row, b) =>
      row.forEach((lp, t) => {
        if (!off.mask[b][t]) return;
        const ratio = Math.exp(lp - (off.old_logprobs as number[][])[b][t]);
        if (ratio < 1 - off.epsilon_low) low++;
        if (ratio > 1 + off.epsilon_high) high++;
      }),
    );
    expect(low).toBeGreaterThan(0);
    expect(high).toBeGreaterThan(0);
    expect(off.beta).toBeGreaterThan(0);
    expect(golden.cases.every((c) => c.mask.flat().includes(0))).toBe(true);
  });
});
