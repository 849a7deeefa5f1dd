// A short self-play run of the default recipe on the shipped default model: the Challenger writes
// problems through the full LSP challenger prompt, the Solver answers, the exact verifier scores,
// and AdamW moves every parameter with a finite loss. (The ≥ 0.10 held-out gain itself is shown by
// `npm start` and docs/results.md, not by a timed unit test.)
import { loadModel } from '@agon/models';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import { DEFAULT_MODEL, loadRecipe, readMetrics, train, nodeRunIO } from '@agon/trainer';
import { captureProgress, tempDir } from './helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

it('runs two self-play steps of the default recipe: finite loss, valid queries, every parameter moves', async () => {
  const { raw } = await loadRecipe('default');
  const policy = await loadModel(DEFAULT_MODEL);
  const { dir, cleanup } = await tempDir('default-selfplay');
  try {
    await expectNoLeaks(async () => {
      const before = policy.model.trainableVariables().map((v) => v.dataSync().slice());
      const result = await train({ ...raw, steps: 2, queriesPerStep: 4, eval: null, checkpointEvery: 0 }, { out: dir, policy, progress: captureProgress() });
      expect(result.steps).toBe(2);
      expect(result.skippedSteps).toBe(0);
      const lines = await readMetrics(nodeRunIO(dir));
      expect(lines).toHaveLength(2);
      for (const { metrics } of lines) {
        const m = metrics as Record<string, number>;
        expect(Number.isFinite(m.loss)).toBe(true);
        expect(m.gradNorm).toBeGreaterThan(0);
        // The pretrained Challenger writes well-formed problems through the long LSP prompt.
        expect(m.invalidQueryFraction).toBeLessThanOrEqual(0.25);
      }
      const after = policy.model.trainableVariables().map((v) => v.dataSync());
      const moved = after.filter((a, i) => a.some((x, k) => x !== before[i][k])).length;
      expect(moved).toBe(after.length);
    });
  } finally {
    policy.model.dispose();
    await cleanup();
  }
}, 180_000);
