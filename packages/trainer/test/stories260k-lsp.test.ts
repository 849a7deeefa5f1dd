// One full LSP iteration on the real stories260K model: the Challenger writes queries, the Solver
// answers, a reward model (a second copy of stories260K, scoring by likelihood) and the reference
// model's self-judge score them, and one AdamW step moves the weights with a finite loss.
import { loadModel, STORIES_260K } from '@agon/models';
import { scorerReward } from '@agon/objectives';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import { likelihoodScorer, readMetrics, snapshotReference, train, nodeRunIO } from '@agon/trainer';
import { captureProgress, selfReward, SMALL, storyGame, tempDir } from './helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

it('runs one LSP iteration on stories260K: finite loss, parameters change, samples logged', async () => {
  const policy = await loadModel(STORIES_260K);
  const rm = await loadModel(STORIES_260K);
  const { dir, cleanup } = await tempDir('lsp');
  try {
    await expectNoLeaks(async () => {
      const before = policy.model.trainableVariables().map((v) => v.dataSync().slice());
      const reference = snapshotReference(policy.model);
      const progress = captureProgress();
      const result = await train(
        { ...SMALL, steps: 1, loss: { beta: 0.05 }, seed: 3 },
        {
          out: dir,
          policy,
          game: storyGame(),
          reward: scorerReward(likelihoodScorer(rm)),
          reference,
          quality: { fn: selfReward<string>(policy, reference, (q) => q), weight: 0.1 },
          progress,
        },
      );
      reference.dispose();
      expect(result.steps).toBe(1);
      expect(result.skippedSteps).toBe(0);
      const [line] = await readMetrics(nodeRunIO(dir));
      const m = line.metrics as Record<string, number>;
      expect(Number.isFinite(m.loss)).toBe(true);
      expect(m.invalidQueryFraction).toBe(0);
      expect(m.skipped).toBe(0);
      // Both roles entered the loss; KL to the reference is 0 at the first step (same weights).
      expect(Number.isFinite(m['solver/loss'])).toBe(true);
      expect(Number.isFinite(m['challenger/loss'])).toBe(true);
      expect(m['solver/kl']).toBeCloseTo(0, 4);
      expect(m['reward/solver/mean']).toBeLessThan(0); // a mean log-prob
      expect(m.gradNorm).toBeGreaterThan(0);
      const after = policy.model.trainableVariables().map((v) => v.dataSync());
      const moved = after.filter((a, i) => a.some((x, k) => x !== before[i][k])).length;
      expect(moved).toBe(after.length);
      expect(progress.text()).toMatch(/step 1\/1 loss/);
    });
  } finally {
    policy.model.dispose();
    rm.model.dispose();
    await cleanup();
  }
}, 120_000);
