// The rollout seam: a runner that samples every job on a second copy of the model (as a remote
// worker would, with the weights shipped through encodeWeights/assignWeights and the jobs run in
// reverse order) gives the same metrics, samples and weights as the runs in this process.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadModel, parseSafetensors } from '@agon/models';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import {
  assignWeights,
  DEFAULT_MODEL,
  encodeWeights,
  loadRecipe,
  readMetrics,
  resolveRollouts,
  sampleRollout,
  train,
  nodeRunIO,
  type RolloutResult,
  type RolloutRunnerFactory,
  type TrainConfigInput,
} from '@agon/trainer';
import { captureProgress, tempDir } from './helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

async function run(config: TrainConfigInput, out: string, rollouts?: RolloutRunnerFactory): Promise<Float32Array[]> {
  const policy = await loadModel(DEFAULT_MODEL);
  try {
    await train(config, { out, policy, progress: captureProgress(), ...(rollouts ? { rollouts } : {}) });
    return policy.model.trainableVariables().map((v) => v.dataSync().slice() as Float32Array);
  } finally {
    policy.model.dispose();
  }
}

/** Every job on a separate copy of the model, which receives the learner's weights each step. */
const onACopy: RolloutRunnerFactory = async (ctx) => {
  const worker = await resolveRollouts(ctx.config, {});
  return {
    async step(step) {
      const bytes = await encodeWeights(ctx.model.trainableVariables(), 'agon-policy');
      assignWeights(worker.model.trainableVariables(), parseSafetensors(bytes, `version ${step}`), `version ${step}`);
      const jobs = ctx.jobsFor(step);
      const results: RolloutResult[] = [];
      for (const job of [...jobs].reverse()) results.unshift({ job, part: await sampleRollout(worker.rollout, job), version: step });
      return { results, metrics: {} };
    },
    async close() {
      worker.dispose();
    },
  };
};

const withoutTime = (lines: Awaited<ReturnType<typeof readMetrics>>) => lines.map(({ step, metrics }) => ({ step, metrics }));

it('jobs run on another model copy, in any order, give the metrics, samples and weights of the local run', async () => {
  const { raw } = await loadRecipe('default');
  const config: TrainConfigInput = { ...raw, steps: 2, queriesPerStep: 4, eval: null, checkpointEvery: 0, rollouts: { jobsPerIteration: 2 } };
  const a = await tempDir('runner-local');
  const b = await tempDir('runner-copy');
  try {
    await expectNoLeaks(async () => {
      const local = await run(config, a.dir);
      const copy = await run(config, b.dir, onACopy);
      expect(withoutTime(await readMetrics(nodeRunIO(b.dir)))).toEqual(withoutTime(await readMetrics(nodeRunIO(a.dir))));
      const samples = await readFile(join(b.dir, 'samples.jsonl'), 'utf8');
      expect(samples).toBe(await readFile(join(a.dir, 'samples.jsonl'), 'utf8'));
      expect(samples.split('\n').filter(Boolean).length).toBeGreaterThan(8);
      expect(copy).toEqual(local);
    });
  } finally {
    await a.cleanup();
    await b.cleanup();
  }
});

it('a config with rollouts.server and no runner fails before any step, saying what to pass', async () => {
  const { dir, cleanup } = await tempDir('runner-missing');
  try {
    const err = (await run({ steps: 1, eval: null, rollouts: { server: 'nats://127.0.0.1:4222' } }, dir).catch((e: Error) => e)) as Error;
    expect(err.message).toBe('config: field rollouts.server: nats://127.0.0.1:4222 needs a rollout runner: pass deps.rollouts (natsRollouts of @agon/distributed; the agon CLI does)');
  } finally {
    await cleanup();
  }
});
