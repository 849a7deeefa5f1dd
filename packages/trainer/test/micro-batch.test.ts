// Micro-batching and activation recomputation are memory knobs, not changes of algorithm: the same
// step with micro-batches of 1 and of 8, or with memory.recompute on, samples the same answers and
// gives the same loss and gradient norm (up to float rounding).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RewardFn } from '@agon/core';
import { loadModel, STORIES_260K } from '@agon/models';
import { initBackend } from '@agon/tensor';
import { readMetrics, train, nodeRunIO } from '@agon/trainer';
import { captureProgress, SMALL, storyGame, tempDir } from './helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const letters: RewardFn<string> = async (batch) => batch.map((x) => (x.answer.match(/[a-z]/gi)?.length ?? 0) / Math.max(1, x.answer.length));

async function oneStep(microBatchSize: number, recompute = false) {
  const policy = await loadModel(STORIES_260K);
  const { dir, cleanup } = await tempDir(`micro${microBatchSize}`);
  try {
    await train({ ...SMALL, steps: 1, queriesPerStep: 2, answersPerQuery: 4, microBatchSize, loss: { beta: 0.05 }, memory: { recompute }, seed: 21 }, { out: dir, policy, game: storyGame(), reward: letters, progress: captureProgress() });
    const [line] = await readMetrics(nodeRunIO(dir));
    return { metrics: line.metrics as Record<string, number>, samples: await readFile(join(dir, 'samples.jsonl'), 'utf8') };
  } finally {
    policy.model.dispose();
    await cleanup();
  }
}

it('micro-batches of 1 and of 8 give the same samples, loss and gradient norm', async () => {
  const a = await oneStep(8);
  const b = await oneStep(1);
  expect(b.samples).toBe(a.samples);
  for (const k of ['loss', 'solver/loss', 'challenger/loss', 'gradNorm', 'solver/entropy']) {
    expect(Math.abs(b.metrics[k] - a.metrics[k])).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(a.metrics[k])));
  }
  expect(a.metrics.gradNorm).toBeGreaterThan(0);
}, 120_000);

it('memory.recompute gives the same samples, loss and gradient norm', async () => {
  const a = await oneStep(8);
  const b = await oneStep(8, true);
  expect(b.samples).toBe(a.samples);
  for (const k of ['loss', 'solver/loss', 'challenger/loss', 'gradNorm', 'solver/entropy', 'solver/kl']) {
    expect(Math.abs(b.metrics[k] - a.metrics[k])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(a.metrics[k])));
  }
}, 120_000);
