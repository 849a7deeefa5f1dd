// The run folder of a real run (stories260K loaded from the config, arithmetic with a fixed prompt
// set — the GRPO baseline switch — and held-out eval): every file is there, in the documented shape.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadModel, STORIES_260K } from '@agon/models';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import { readMetrics, train, nodeRunIO } from '@agon/trainer';
import { captureProgress, tempDir } from './helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

it('writes config, metrics, samples, checkpoints, summary, report and the trained model', async () => {
  const { dir, cleanup } = await tempDir('folder');
  try {
    await expectNoLeaks(async () => {
      const progress = captureProgress();
      const result = await train(
        {
          model: STORIES_260K,
          backend: 'wasm',
          game: { name: 'arithmetic', options: { digits: 1, ops: ['+'] } },
          queries: { fixed: { size: 6, seed: 99 } },
          steps: 2,
          queriesPerStep: 2,
          answersPerQuery: 2,
          sampling: { solverMaxNewTokens: 4 },
          eval: { size: 4, seed: 1, maxNewTokens: 4, every: 1 },
          checkpointEvery: 1,
          keepCheckpoints: 1,
        },
        { out: dir, progress },
      );
      const files = (await readdir(dir)).sort();
      expect(files).toEqual(['checkpoints', 'config.json', 'metrics.jsonl', 'model', 'report.html', 'samples.jsonl', 'summary.json']);

      const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
      expect(config).toMatchObject({ steps: 2, queries: { fixed: { size: 6, seed: 99 } }, loss: { beta: 0 } });

      const metrics = await readMetrics(nodeRunIO(dir));
      expect(metrics.map((l) => l.step)).toEqual([1, 2]);
      // eval.every: 1 → a held-out point after step 1; the last step's is summary.eval.after.
      expect(typeof metrics[0].metrics['eval/accuracy']).toBe('number');
      expect(metrics[1].metrics['eval/accuracy']).toBeUndefined();
      for (const l of metrics) {
        expect(typeof l.seconds).toBe('number');
        // Each step's memory: at least the stories260K weights (~1 MB) were held; RSS at least that of Node.
        expect(l['memory/peakTensorMb']).toBeGreaterThan(0.9);
        expect(l['memory/rssMb']).toBeGreaterThan(30);
        expect(l['memory/maxRssMb']).toBeGreaterThanOrEqual(l['memory/rssMb']! - 1);
        expect(l['memory/tensors']).toBe(metrics[0]['memory/tensors']); // nothing leaks between steps
        expect(Object.keys(l.metrics)).toEqual(expect.arrayContaining(['loss', 'lr', 'gradNorm', 'skipped', 'reward/solver/mean', 'zeroStdFraction', 'solver/entropy']));
        expect(l.metrics['challenger/loss']).toBeUndefined(); // fixed prompts: no Challenger
      }

      const samples = (await readFile(join(dir, 'samples.jsonl'), 'utf8')).trim().split('\n').map((s) => JSON.parse(s));
      expect(samples).toHaveLength(2 * 2 * 2); // steps × N × G
      expect(samples[0]).toEqual(expect.objectContaining({ step: 1, role: 'solver', query: expect.stringMatching(/^\d \+ \d$/), answer: expect.any(String), advantage: expect.any(Number) }));
      expect([0, 1]).toContain(samples[0].reward);

      expect(await readdir(join(dir, 'checkpoints'))).toEqual(['step-000002']);
      expect((await readdir(join(dir, 'checkpoints', 'step-000002'))).sort()).toEqual(['optimizer.safetensors', 'state.json', 'weights.safetensors']);

      const summary = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8'));
      expect(summary).toMatchObject({ steps: 2, eval: { before: expect.any(Number), after: expect.any(Number) }, seconds: expect.any(Number) });
      expect(summary.eval).toEqual(result.eval);
      expect(summary.eval.before).toBeGreaterThanOrEqual(0);
      expect(summary.eval.before).toBeLessThanOrEqual(1);

      const html = await readFile(join(dir, 'report.html'), 'utf8');
      expect(html).toContain('<svg');
      for (const title of ['Reward per role', 'Held-out accuracy', 'KL to the reference', 'Policy entropy', 'Challenger query difficulty', 'Challenger query length']) expect(html).toContain(title);
      expect(html).not.toMatch(/<script|src=|href=|@import|url\(/); // self-contained: opens from disk
      // The game itself: each step's queries and answers with their rewards, from samples.jsonl.
      expect(html).toContain('<h2>The game</h2>');
      for (const step of [1, 2]) expect(html).toContain(`<h3>Step ${step}</h3>`);
      expect(html).toContain(`query: ${samples[0].query} `);

      // stories260K cannot add, so every group is all-wrong: the zero-variance warning fires, loudly.
      expect(progress.text()).toContain('warning: every group had zero reward variance');
      expect(progress.text()).toMatch(/eval before: accuracy/);

      // The trained policy is a loadable Hugging Face folder.
      const again = await loadModel(join(dir, 'model'));
      expect(again.model.config.vocabSize).toBe(512);
      again.model.dispose();
    });
  } finally {
    await cleanup();
  }
}, 120_000);
