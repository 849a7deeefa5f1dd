// PPO epochs on the real stories260K model: with one update per rollout PPO-clip's gradient is
// REINFORCE's (the ratio is 1); with more, later updates see a moved policy, the ratio leaves
// [1 − ε, 1 + ε] and the clip acts, and the reported loss equals a float64 PPO-clip loss computed
// from the model's own per-token log-probs at that moment.
import * as tf from '@tensorflow/tfjs-core';
import { createSampler, loadModel, STORIES_260K, type LoadedModel } from '@agon/models';
import { ppoClipLoss, reinforceLoss, sequenceSum } from '@agon/objectives';
import { initBackend, tokenLogprobs } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import { AdamW, parseTrainConfig } from '@agon/trainer';
import { accumulateGradients, type GradientContext } from '../src/gradients.js';
import { lossWindow, sequenceTensors, type Sequence } from '../src/sequences.js';
import { slicePart, updatePolicy } from '../src/update.js';

const EPS = 0.2;
let policy: LoadedModel;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  policy = await loadModel(STORIES_260K);
});
afterAll(() => policy.model.dispose());

/** Runs `fn` with a fresh AdamW on the policy, then puts the weights back as they were. */
async function withOptimizer(fn: (optimizer: AdamW) => Promise<void>): Promise<void> {
  const vars = policy.model.trainableVariables();
  const saved = vars.map((v) => tf.clone(v));
  const optimizer = new AdamW(vars, parseTrainConfig({}).optimizer);
  try {
    await expectNoLeaks(() => fn(optimizer));
  } finally {
    vars.forEach((v, i) => v.assign(saved[i]));
    tf.dispose(saved);
    optimizer.dispose();
  }
}

/** Four real samples of the policy with their behaviour log-probs, advantages ±1. */
async function samples(): Promise<Sequence[]> {
  const prompt = policy.tokenizer.encode('Once upon a time', { bos: true });
  const out = await createSampler(policy.model, policy.tokenizer).generate([prompt, prompt, prompt, prompt], { maxNewTokens: 6, temperature: 1, seed: 7 });
  return out.map((c, i) => ({ prompt, completion: c.ids, oldLogprobs: c.logprobs, advantage: i % 2 ? -1 : 1 }));
}

const ctx = (objective: ReturnType<typeof ppoClipLoss>): GradientContext => ({
  model: policy.model,
  reference: null,
  objectives: { solver: objective, challenger: objective, alphaCh: 1 },
  microBatchSize: 8,
  padId: policy.tokenizer.eosId,
});

/** Per-token log-probs of the completions under the current weights, in float64 on the host. */
async function currentLogprobs(seqs: readonly Sequence[]): Promise<number[][]> {
  const t = sequenceTensors(seqs, policy.tokenizer.eosId);
  const lp = tf.tidy(() => tokenLogprobs(lossWindow(policy.model.forward(t.inputs).logits, t.offset), t.targets));
  const rows = (await lp.array()) as number[][];
  const mask = (await t.mask.array()) as number[][];
  tf.dispose([lp, t.inputs, t.targets, t.mask, t.oldLogprobs, t.advantages]);
  return rows.map((r, b) => r.filter((_, k) => mask[b][k] === 1));
}

/** PPO-clip with sequence-sum aggregation, in float64: mean over sequences of Σ_t −min(ρA, clip(ρ)A). */
function ppoLoss64(seqs: readonly Sequence[], logprobs: number[][]): { loss: number; clipped: number } {
  let total = 0;
  let clipped = 0;
  let tokens = 0;
  seqs.forEach((s, b) => {
    s.oldLogprobs.forEach((old, t) => {
      const ratio = Math.exp(logprobs[b][t] - old);
      const un = ratio * s.advantage;
      const cl = Math.min(Math.max(ratio, 1 - EPS), 1 + EPS) * s.advantage;
      total -= Math.min(un, cl);
      if (cl < un) clipped++;
      tokens++;
    });
  });
  return { loss: total / seqs.length, clipped: clipped / tokens };
}

it('one epoch: PPO-clip gives REINFORCE’s gradient', async () => {
  await expectNoLeaks(async () => {
    const seqs = await samples();
    const batches = { solver: seqs, challenger: [] };
    const ppo: Record<string, tf.Tensor> = {};
    const rf: Record<string, tf.Tensor> = {};
    await accumulateGradients(ctx(ppoClipLoss({ epsLow: EPS, epsHigh: EPS, aggregation: sequenceSum })), batches, ppo, 1);
    await accumulateGradients(ctx(reinforceLoss({ aggregation: sequenceSum })), batches, rf, 1);
    let worst = 0;
    let scale = 0;
    for (const k of Object.keys(rf)) {
      worst = Math.max(worst, tf.tidy(() => tf.max(tf.abs(tf.sub(ppo[k], rf[k]))).dataSync()[0]));
      scale = Math.max(scale, tf.tidy(() => tf.max(tf.abs(rf[k])).dataSync()[0]));
    }
    // The sampler's log-probs equal the loss pass's up to float32 rounding, so the ratio is 1 ± 1e-5.
    expect(scale).toBeGreaterThan(1e-3);
    expect(worst / scale).toBeLessThan(1e-4);
    tf.dispose([...Object.values(ppo), ...Object.values(rf)]);
  });
}, 60_000);

it('several epochs: later updates clip, and the loss matches a float64 reference', async () => {
  await withOptimizer(async (optimizer) => {
    const seqs = await samples();
    const objective = ppoClipLoss({ epsLow: EPS, epsHigh: EPS, aggregation: sequenceSum });
    const plan = { epochs: 1, miniBatches: 1, lr: 3e-2, clipNorm: 0 };
    const [first] = await updatePolicy(ctx(objective), optimizer, [{ solver: seqs, challenger: [] }], plan);
    expect(first.metrics['solver/clipFraction']).toBe(0);
    expect(first.metrics['solver/ratioMean']).toBeCloseTo(1, 4);
    // The second epoch's update, from the moved weights, against the float64 loss of that moment.
    const reference = ppoLoss64(seqs, await currentLogprobs(seqs));
    const [second] = await updatePolicy(ctx(objective), optimizer, [{ solver: seqs, challenger: [] }], plan);
    expect(reference.clipped).toBeGreaterThan(0);
    expect(second.metrics['solver/clipFraction']).toBeCloseTo(reference.clipped, 6);
    expect(Math.abs(second.metrics['solver/loss'] - reference.loss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(reference.loss)));
    expect(optimizer.steps).toBe(2);
  });
}, 60_000);

it('runs epochs × mini-batches updates per step, each on its slice', async () => {
  await withOptimizer(async (optimizer) => {
    const seqs = await samples();
    const objective = ppoClipLoss({ epsLow: EPS, epsHigh: EPS });
    const updates = await updatePolicy(ctx(objective), optimizer, [{ solver: seqs, challenger: seqs.slice(0, 1) }], { epochs: 2, miniBatches: 2, lr: 1e-3, clipNorm: 1 });
    expect(updates).toHaveLength(4);
    expect(optimizer.steps).toBe(4);
    expect(updates.every((u) => !u.skipped && Number.isFinite(u.metrics.loss))).toBe(true);
  });
  expect(slicePart([1, 2, 3, 4, 5], 0, 2)).toEqual([1, 2]);
  expect(slicePart([1, 2, 3, 4, 5], 1, 2)).toEqual([3, 4, 5]);
  expect(slicePart([1], 0, 2)).toEqual([]);
}, 60_000);

it('the config takes ppoEpochs and miniBatches, and refuses epochs without the clip', () => {
  const c = parseTrainConfig({ loss: { ppoClip: 0.2, ppoEpochs: 4, miniBatches: 2 } });
  expect([c.loss.ppoEpochs, c.loss.miniBatches]).toEqual([4, 2]);
  expect(parseTrainConfig({}).loss.ppoEpochs).toBe(1);
  expect(() => parseTrainConfig({ loss: { ppoEpochs: 2 } }, 'r.json')).toThrow(/r.json: field loss.ppoEpochs: ppoEpochs above 1 needs ppoClip/);
});
