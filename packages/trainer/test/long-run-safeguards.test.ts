// Safeguards of long self-play runs, on the shipped default model: the Challenger's repeat penalty
// (applied to the rewards in samples.jsonl, reported in metrics.jsonl with the query diversity) and
// the loud, once-only warning when held-out accuracy falls far below its best.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SampleRow } from '@agon/core';
import { loadModel } from '@agon/models';
import { queryDiversity, repeatPenalty } from '@agon/objectives';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import { DEFAULT_MODEL, loadRecipe, nodeRunIO, readMetrics, train } from '@agon/trainer';
import { captureProgress, tempDir } from './helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

it('penalises repeated queries, logs diversity, and warns once when held-out accuracy collapses', async () => {
  const { config } = await loadRecipe('default');
  const policy = await loadModel(DEFAULT_MODEL);
  const { dir, cleanup } = await tempDir('safeguards');
  // A scripted evaluator: before, after steps 1, 2, 3, and after the run.
  const accuracies = [0.5, 0.9, 0.6, 0.5, 0.4];
  let calls = 0;
  const evaluate = async () => ({ accuracy: accuracies[calls++], n: 200 });
  const weight = 0.5;
  const similarity = 0.5; // loose, so the 2-digit sums of one step are often near-duplicates
  try {
    await expectNoLeaks(async () => {
      const progress = captureProgress();
      const result = await train(
        { ...config, steps: 4, queriesPerStep: 4, checkpointEvery: 0, eval: { ...config.eval, every: 1 }, loss: { ...config.loss, repeatPenalty: { weight, similarity } } },
        { out: dir, policy, evaluate, progress },
      );
      expect(calls).toBe(5);
      expect(result.eval).toEqual({ before: 0.5, after: 0.4 });
      // Reported once, at the step it first happened (0.6 is 0.3 below the best 0.9), though steps 3 and the end fell further.
      const loud = progress.text().match(/TRAINING IS MAKING THE MODEL WORSE/g) ?? [];
      expect(loud).toHaveLength(1);
      expect(result.warnings.filter((w) => w.includes('MODEL WORSE'))).toEqual([
        expect.stringMatching(/^step 2: TRAINING IS MAKING THE MODEL WORSE: held-out accuracy 0\.600 is 0\.300 below its best, 0\.900 at step 1; try a KL anchor/),
      ]);

      const lines = await readMetrics(nodeRunIO(dir));
      const samples = (await readFile(join(dir, 'samples.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as SampleRow & { value?: number; valid?: boolean });
      let penalised = 0;
      for (const { step, metrics } of lines) {
        const ch = samples.filter((s) => s.step === step && s.role === 'challenger');
        expect(ch).toHaveLength(4);
        const queries = ch.map((s) => s.query);
        const pen = repeatPenalty(queries, { similarity });
        const div = queryDiversity(queries);
        expect(metrics['queries/distinct']).toBe(div.distinct);
        expect(metrics['queries/topShare']).toBe(div.topShare);
        expect(metrics['challenger/repeatPenalty']).toBeCloseTo(pen.reduce((a, b) => a + b, 0) / pen.length, 12);
        // Each Challenger reward is −V (or the invalid reward) minus weight × its repeat penalty.
        ch.forEach((s, i) => {
          const base = s.valid ? -(s.value as number) : config.loss.invalidReward;
          expect(s.reward).toBeCloseTo(base - weight * pen[i], 12);
        });
        penalised += pen.filter((p) => p > 0).length;
        expect(metrics['solver/kl']).toBeGreaterThanOrEqual(0);
        expect(Number.isFinite(metrics['challenger/entropy'])).toBe(true);
        expect(Number.isFinite(metrics['challenger/difficulty'])).toBe(true);
      }
      expect(penalised).toBeGreaterThan(0); // the penalty was exercised, not only computed as 0
    });
  } finally {
    policy.model.dispose();
    await cleanup();
  }
}, 240_000);
