// recipes/lsp-instruct.json end to end on the tiny random Hugging Face fixtures: a Qwen2 policy with
// its chat template and a Qwen2ForSequenceClassification reward model (a reward-model head). The fixtures hold 64
// positions and the LSP prompts are ~1–3k tokens in their 53-token vocabulary, so the test runs on
// copies whose config allows 4096 positions (RoPE needs no other change); everything else is the
// recipe as shipped, scaled down to one small iteration.
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel, readSafetensors } from '@agon/models';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import { loadRecipe, readMetrics, train, nodeRunIO } from '@agon/trainer';
import { captureProgress, tempDir } from './helpers.js';

const FIXTURES = fileURLToPath(new URL('../../models/test/fixtures/', import.meta.url));

async function fixtureCopy(name: string, into: string): Promise<string> {
  const dir = join(into, name);
  await cp(join(FIXTURES, name), dir, { recursive: true });
  const file = join(dir, 'config.json');
  const config = JSON.parse(await readFile(file, 'utf8'));
  await writeFile(file, JSON.stringify({ ...config, max_position_embeddings: 4096 }));
  return dir;
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

it('runs one LSP iteration of recipes/lsp-instruct.json on the tiny fixtures: finite loss, parameters change', async () => {
  const { dir, cleanup } = await tempDir('instruct');
  try {
    await expectNoLeaks(async () => {
      const policyDir = await fixtureCopy('qwen2-tiny', dir);
      const rewardDir = await fixtureCopy('qwen2-seqcls', dir);
      const { raw } = await loadRecipe('lsp-instruct');
      const progress = captureProgress();
      const out = join(dir, 'run');
      const result = await train(
        {
          ...raw,
          model: policyDir,
          rewards: [{ type: 'model', path: rewardDir, weight: 1, label: 1 }],
          selfReward: { weight: 0.1, maxNewTokens: 4 },
          steps: 1,
          queriesPerStep: 2,
          answersPerQuery: 2,
          microBatchSize: 1,
          sampling: { temperature: 1, challengerMaxNewTokens: 6, solverMaxNewTokens: 6 },
          optimizer: { lr: 1e-2 },
          backend: 'wasm',
          seed: 1,
        },
        { out, progress },
      );
      expect(result.steps).toBe(1);
      expect(result.skippedSteps).toBe(0);
      const [line] = await readMetrics(nodeRunIO(out));
      expect(Number.isFinite(line.metrics.loss)).toBe(true);
      expect(line.metrics['selfReward/null']).toBeGreaterThanOrEqual(0); // random weights: verdicts unreadable → counted, scored 0
      expect(Number.isFinite(line.metrics['reward/solver/mean'])).toBe(true); // the head's logit
      expect(line.metrics['reward/solver/std']).toBeGreaterThan(0); // answers scored differently: a learning signal
      expect(line.metrics.gradNorm).toBeGreaterThan(0);
      // Parameters changed: the exported policy differs from the fixture it started from.
      const before = await loadModel(policyDir);
      const after = await loadModel(join(out, 'model'));
      const w0 = before.model.trainableVariables().map((v) => v.dataSync());
      const w1 = after.model.trainableVariables().map((v) => v.dataSync());
      expect(w1.filter((w, i) => w.some((x, k) => x !== w0[i][k])).length).toBeGreaterThan(0);
      before.model.dispose();
      after.model.dispose();
      expect((await readSafetensors(join(out, 'model', 'model.safetensors'))).tensors.length).toBeGreaterThan(0);
    });
  } finally {
    await cleanup();
  }
}, 180_000);
