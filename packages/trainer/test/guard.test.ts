// The non-finite guard: a NaN loss, a NaN gradient or a NaN reward skips the step — counted in the
// metrics — and never touches the weights or the optimizer state.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Objective, RewardFn } from '@agon/core';
import { loadModel, STORIES_260K } from '@agon/models';
import { reinforceLoss } from '@agon/objectives';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import { readMetrics, train, type RoleObjectives, nodeRunIO } from '@agon/trainer';
import { captureProgress, SMALL, storyGame, tempDir } from './helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const letters: RewardFn<string> = async (batch) => batch.map((x) => (x.answer.match(/[a-z]/gi)?.length ?? 0) / Math.max(1, x.answer.length));

/** REINFORCE whose loss value is NaN. */
const nanLoss: Objective = { needsReference: false, loss: (b) => tf.tidy(() => { const o = reinforceLoss().loss(b); return { loss: tf.mul(o.loss, NaN) as tf.Scalar, metrics: o.metrics }; }) };

/** REINFORCE with a finite value but a NaN gradient (a custom gradient multiplies by NaN). */
const nanGrad: Objective = {
  needsReference: false,
  loss: (b) =>
    tf.tidy(() => {
      const o = reinforceLoss().loss(b);
      const poisoned = tf.customGrad(((x: tf.Tensor) => ({ value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.mul(dy, NaN) })) as unknown as Parameters<typeof tf.customGrad>[0]);
      return { loss: poisoned(o.loss) as tf.Scalar, metrics: o.metrics };
    }),
};

const fine = reinforceLoss();

it.each<[string, { objectives?: RoleObjectives; reward?: RewardFn<string> }, string]>([
  ['a NaN loss', { objectives: { solver: nanLoss, challenger: fine, alphaCh: 1 } }, 'loss'],
  ['a NaN gradient', { objectives: { solver: fine, challenger: nanGrad, alphaCh: 1 } }, 'gradient'],
  ['a NaN reward', { reward: async (batch) => batch.map((_, k) => (k === 1 ? Number.NaN : 0.5)) }, 'reward'],
])('%s skips the step: weights and optimizer untouched, counted in metrics', async (_name, deps, what) => {
  const policy = await loadModel(STORIES_260K);
  const { dir, cleanup } = await tempDir('guard');
  try {
    await expectNoLeaks(async () => {
      const before = policy.model.trainableVariables().map((v) => v.dataSync().slice());
      const progress = captureProgress();
      const r = await train({ ...SMALL, steps: 1, seed: 5 }, { out: dir, policy, game: storyGame(), reward: letters, ...deps, progress });
      expect(r.skippedSteps).toBe(1);
      const [line] = await readMetrics(nodeRunIO(dir));
      expect(line.metrics.skipped).toBe(1);
      expect(line.metrics.skippedSteps).toBe(1);
      expect(progress.text()).toContain(`step 1: skipped (non-finite ${what}); weights not updated`);
      const after = policy.model.trainableVariables().map((v) => v.dataSync());
      after.forEach((a, i) => expect(a).toEqual(before[i]));
      const state = JSON.parse(await readFile(join(dir, 'checkpoints', 'step-000001', 'state.json'), 'utf8'));
      expect(state).toMatchObject({ step: 1, optimizerSteps: 0, skippedSteps: 1 });
    });
  } finally {
    policy.model.dispose();
    await cleanup();
  }
}, 60_000);

it('a finite step with the same set-up updates the weights (the guard is not always on)', async () => {
  const policy = await loadModel(STORIES_260K);
  const { dir, cleanup } = await tempDir('guard-ok');
  try {
    const before = policy.model.trainableVariables().map((v) => v.dataSync().slice());
    const r = await train({ ...SMALL, steps: 1, seed: 5 }, { out: dir, policy, game: storyGame(), reward: letters, progress: captureProgress() });
    expect(r.skippedSteps).toBe(0);
    const after = policy.model.trainableVariables().map((v) => v.dataSync());
    expect(after.some((a, i) => a.some((x, k) => x !== before[i][k]))).toBe(true);
  } finally {
    policy.model.dispose();
    await cleanup();
  }
}, 60_000);
