// Policy lag over a real nats-server: with maxPolicyLag 1 the learner publishes each step's jobs
// one step ahead, so step s ≥ 1 learns from samples of version s − 1, corrected by the PPO-clip
// ratio to their behaviour log-probs; the run equals an in-process run that samples each step with
// the weights one step old. A result outside the lag window is dropped, counted and its job
// published again, and the run stays exact.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { connectNats, encodeMessage, jobsSubject, natsRollouts, parseJobMessage, decodeMessage, resultsSubject, runWorker, type ResultMessage } from '@agon/distributed';
import { parseSafetensors } from '@agon/models';
import { assignWeights, encodeWeights, loadRecipe, resolveRollouts, sampleRollout, train, type RolloutRunnerFactory, type TrainConfigInput } from '@agon/trainer';
import { captureProgress, folderFiles, metricsWithoutTime, tempDir, natsServerForSuite } from './helpers.js';

const suite = natsServerForSuite();
let base: TrainConfigInput;
beforeAll(async () => {
  const { raw } = await loadRecipe('default');
  base = { ...raw, steps: 3, queriesPerStep: 4, eval: null, checkpointEvery: 0 };
});

/** In process: step s samples with the weights of version max(0, s − 1), as a lag-1 learner does. */
const oneStepBehind: RolloutRunnerFactory = async (ctx) => {
  const copy = await resolveRollouts(ctx.config, {});
  let previous: Uint8Array | null = null;
  return {
    async step(step) {
      const now = await encodeWeights(ctx.model.trainableVariables(), 'agon-policy');
      const version = Math.max(0, step - 1);
      assignWeights(copy.model.trainableVariables(), parseSafetensors(previous ?? now, `v${version}`), `v${version}`);
      previous = now;
      const results = [];
      for (const job of ctx.jobsFor(step)) results.push({ job, part: await sampleRollout(copy.rollout, job), version });
      return { results, metrics: { 'rollouts/lag': step - version, 'rollouts/stale': 0, 'rollouts/duplicates': 0 } };
    },
    async close() {
      copy.dispose();
    },
  };
};

async function withWorkers<T>(n: number, body: () => Promise<T>): Promise<T> {
  const stop = new AbortController();
  const workers = Array.from({ length: n }, (_, i) => runWorker({ server: suite.server.url, name: `w${i}`, signal: stop.signal }));
  try {
    return await body();
  } finally {
    stop.abort();
    await Promise.all(workers);
  }
}

it('maxPolicyLag 1 learns from one-step-old samples through the PPO-clip ratio, as the in-process equivalent does', async () => {
  const config: TrainConfigInput = { ...base, loss: { ...(base.loss as object), ppoClip: 0.2 }, rollouts: { server: suite.server.url, jobsPerIteration: 2, maxPolicyLag: 1 } };
  const local = await tempDir('lag-local');
  const remote = await tempDir('lag-nats');
  try {
    await train(config, { out: local.dir, progress: captureProgress(), rollouts: oneStepBehind });
    await withWorkers(2, () => train(config, { out: remote.dir, progress: captureProgress(), rollouts: natsRollouts() }));
    const metrics = await metricsWithoutTime(remote.dir);
    expect(metrics.map((l) => l.metrics['rollouts/lag'])).toEqual([0, 1, 1]);
    expect(metrics.map((l) => l.metrics['rollouts/stale'])).toEqual([0, 0, 0]);
    expect(metrics).toEqual(await metricsWithoutTime(local.dir));
    expect(await readFile(join(remote.dir, 'samples.jsonl'), 'utf8')).toBe(await readFile(join(local.dir, 'samples.jsonl'), 'utf8'));
    const a = await folderFiles(join(local.dir, 'model'));
    const b = await folderFiles(join(remote.dir, 'model'));
    for (const [name, bytes] of a) expect(b.get(name)!.equals(bytes)).toBe(true);
  } finally {
    await local.cleanup();
    await remote.cleanup();
  }
});

it('a result of a version outside the window is dropped, counted and its job done again; the run stays exact', async () => {
  const config: TrainConfigInput = { ...base, steps: 2 };
  const local = await tempDir('stale-local');
  const remote = await tempDir('stale-nats');
  // A rogue publisher: on the run's first job it publishes a result for step 2's job made by
  // version 0 (step 2 needs version 1).
  const nc = await connectNats(suite.server.url);
  const sub = nc.subscribe(jobsSubject('*'));
  const rogue = (async () => {
    for await (const m of sub) {
      const job = parseJobMessage(decodeMessage(m.data, 'job'), 'job');
      const stale: ResultMessage = { run: job.run, jobId: '1.0', version: 0, worker: 'rogue', part: { challenger: [], answers: [], rewards: [], selfRewards: null } };
      await jetstream(nc).publish(resultsSubject(job.run), encodeMessage(stale));
      return job.run;
    }
    return '';
  })();
  try {
    await train(config, { out: local.dir, progress: captureProgress() });
    await withWorkers(1, () => train({ ...config, rollouts: { server: suite.server.url } }, { out: remote.dir, progress: captureProgress(), rollouts: natsRollouts() }));
    expect(await rogue).toMatch(/^[0-9a-f]{16}$/);
    const metrics = await metricsWithoutTime(remote.dir);
    expect(metrics[1].metrics['rollouts/stale']).toBe(1);
    expect(metrics[0].metrics['rollouts/stale']).toBeUndefined();
    delete metrics[1].metrics['rollouts/stale'];
    expect(metrics).toEqual(await metricsWithoutTime(local.dir));
    expect(await readFile(join(remote.dir, 'samples.jsonl'), 'utf8')).toBe(await readFile(join(local.dir, 'samples.jsonl'), 'utf8'));
  } finally {
    sub.unsubscribe();
    await nc.close();
    await local.cleanup();
    await remote.cleanup();
  }
});
