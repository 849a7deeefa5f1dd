// Resume equals uninterrupted: a run stopped after step 2 and resumed from its checkpoint writes
// the same metrics, the same samples and ends with the same weights as a run that never stopped.
// Same config + seed + backend → identical metrics is the same comparison.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RewardFn } from '@agon/core';
import { loadModel, STORIES_260K } from '@agon/models';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import { listCheckpoints, readMetrics, train, type TrainConfigInput, nodeRunIO } from '@agon/trainer';
import { captureProgress, SMALL, storyGame, tempDir } from './helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

// A deterministic reward that varies across answers: the share of letters among the answer's characters.
const letters: RewardFn<string> = async (batch) => batch.map((x) => (x.answer.match(/[a-z]/gi)?.length ?? 0) / Math.max(1, x.answer.length));

// Warm-up + cosine, β > 0 (reference forward), 2 accumulated rollouts, micro-batches of 3: every
// piece of state a resume must restore is in play.
const CONFIG: TrainConfigInput = {
  ...SMALL,
  steps: 4,
  queriesPerStep: 2,
  answersPerQuery: 3,
  accumulationSteps: 2,
  microBatchSize: 3,
  loss: { beta: 0.05 },
  optimizer: { lr: 2e-3, warmupSteps: 1, schedule: 'cosine', weightDecay: 0.01 },
  checkpointEvery: 2,
  seed: 11,
};

async function run(out: string, opts: { stopAfter?: number; resume?: boolean }): Promise<Float32Array[]> {
  const policy = await loadModel(STORIES_260K);
  try {
    return await expectNoLeaks(async () => {
      const controller = new AbortController();
      const progress = captureProgress();
      const write = progress.write;
      progress.write = (s) => {
        write(s);
        if (opts.stopAfter && s.startsWith(`step ${opts.stopAfter}/`)) controller.abort();
      };
      const r = await train(opts.resume ? {} : CONFIG, { out, policy, game: storyGame(), reward: letters, resume: opts.resume, signal: controller.signal, progress });
      expect(r.stopped).toBe(opts.stopAfter !== undefined);
      return policy.model.trainableVariables().map((v) => v.dataSync().slice() as Float32Array);
    });
  } finally {
    policy.model.dispose();
  }
}

const withoutTime = (lines: Awaited<ReturnType<typeof readMetrics>>) => lines.map(({ step, metrics }) => ({ step, metrics }));

it('a resumed run equals an uninterrupted one (metrics, samples, weights)', async () => {
  const a = await tempDir('straight');
  const b = await tempDir('resumed');
  try {
    const straight = await run(a.dir, {});
    await run(b.dir, { stopAfter: 2 });
    expect(await listCheckpoints(nodeRunIO(b.dir))).toEqual([2]);
    expect((await readMetrics(nodeRunIO(b.dir))).map((l) => l.step)).toEqual([1, 2]);
    const resumed = await run(b.dir, { resume: true });

    const ma = await readMetrics(nodeRunIO(a.dir));
    const mb = await readMetrics(nodeRunIO(b.dir));
    expect(ma.map((l) => l.step)).toEqual([1, 2, 3, 4]);
    expect(withoutTime(mb)).toEqual(withoutTime(ma));
    // The run really trained: the loss moved, the KL to the reference grew from 0.
    expect(ma[0].metrics['solver/kl']).toBeCloseTo(0, 5);
    expect(ma[3].metrics['solver/kl']).toBeGreaterThan(0);
    expect(await readFile(join(b.dir, 'samples.jsonl'), 'utf8')).toBe(await readFile(join(a.dir, 'samples.jsonl'), 'utf8'));
    expect(resumed).toHaveLength(straight.length);
    resumed.forEach((w, i) => expect(w).toEqual(straight[i]));
    expect(await listCheckpoints(nodeRunIO(a.dir))).toEqual([2, 4]);
  } finally {
    await a.cleanup();
    await b.cleanup();
  }
}, 180_000);
