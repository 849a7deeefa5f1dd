// What the learner and a worker say when things go wrong: a worker whose job throws fails the
// learner's step with the worker's name and message; a learner with no worker gives up after
// rollouts.timeoutSeconds naming the jobs; a job of a run that is gone is dropped by the worker.
import { jetstream } from '@nats-io/jetstream';
import { connectNats, encodeMessage, ensureLayout, jobsSubject, natsRollouts, runWorker, type JobMessage } from '@agon/distributed';
import { train, type TrainConfigInput } from '@agon/trainer';
import { captureProgress, tempDir, natsServerForSuite } from './helpers.js';

const suite = natsServerForSuite();

const small: TrainConfigInput = { steps: 2, queriesPerStep: 2, answersPerQuery: 2, eval: null, checkpointEvery: 0, sampling: { challengerMaxNewTokens: 8, solverMaxNewTokens: 8 } };

it("a job that throws on the worker fails the learner's step with the worker's name and message", async () => {
  const { dir, cleanup } = await tempDir('fail-worker');
  const stop = new AbortController();
  const worker = runWorker({
    server: suite.server.url,
    name: 'broken',
    signal: stop.signal,
    pieces: () => ({
      reward: async () => {
        throw new Error('reward server down');
      },
    }),
  });
  try {
    const err = (await train({ ...small, rollouts: { server: suite.server.url } }, { out: dir, progress: captureProgress(), rollouts: natsRollouts() }).catch((e: Error) => e)) as Error;
    expect(err.message).toContain('rollouts: worker broken failed job 0.0 of step 1: reward server down');
  } finally {
    stop.abort();
    await worker;
    await cleanup();
  }
});

it('with no worker the step gives up after rollouts.timeoutSeconds, naming the jobs and the server', async () => {
  const { dir, cleanup } = await tempDir('fail-timeout');
  try {
    const t0 = performance.now();
    const err = (await train({ ...small, rollouts: { server: suite.server.url, jobsPerIteration: 2, timeoutSeconds: 1 } }, { out: dir, progress: captureProgress(), rollouts: natsRollouts() }).catch(
      (e: Error) => e,
    )) as Error;
    expect(err.message).toContain(`rollouts: step 1: no result for 2 of 2 jobs (0.0, 0.1) after 1 s from ${suite.server.url}: is an agon worker running? (agon worker --server ${suite.server.url})`);
    expect(performance.now() - t0).toBeLessThan(30_000);
  } finally {
    await cleanup();
  }
});

it('a worker drops (acks) a job whose run is gone and goes on', async () => {
  const nc = await connectNats(suite.server.url);
  try {
    await ensureLayout(nc);
    const job: JobMessage = { run: 'feedfacefeedface', job: { id: '0.0', iteration: 0, shard: 0, shards: 1, start: 0, end: 2, seed: 0, step: 1 }, version: 0 };
    await jetstream(nc).publish(jobsSubject(job.run), encodeMessage(job));
    const logs: string[] = [];
    const stop = new AbortController();
    const worker = runWorker({ server: suite.server.url, name: 'w', signal: stop.signal, log: (l) => logs.push(l) });
    const until = performance.now() + 20_000;
    while (!logs.some((l) => l.includes('(stale); dropped')) && performance.now() < until) await new Promise((r) => setTimeout(r, 100));
    stop.abort();
    expect(await worker).toEqual({ jobs: 0, dropped: 1 });
    expect(logs).toContain('worker w: job 0.0 of run feedfacefeedface names a run or policy version 0 that is gone (stale); dropped');
  } finally {
    await nc.close();
  }
});
