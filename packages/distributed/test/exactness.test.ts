// Synchronous distributed rollouts (maxPolicyLag 0) are exact: a run whose jobs go through a real
// nats-server on loopback to two workers gives the metrics (all but the timing fields), the
// samples and the exported weights of the same run in one process, byte for byte.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { natsRollouts, runWorker } from '@agon/distributed';
import { loadRecipe, train, type TrainConfigInput } from '@agon/trainer';
import { captureProgress, folderFiles, metricLinesWithoutTime, metricsWithoutTime, tempDir, natsServerForSuite } from './helpers.js';

const suite = natsServerForSuite();

it('the default recipe over NATS with 2 workers equals the single-process run (metrics, samples, weights)', async () => {
  const { raw } = await loadRecipe('default');
  const config: TrainConfigInput = { ...raw, steps: 3, queriesPerStep: 4, eval: null, checkpointEvery: 0, rollouts: { jobsPerIteration: 2 } };
  const local = await tempDir('exact-local');
  const remote = await tempDir('exact-nats');
  const tensors = tf.memory().numTensors;
  const stop = new AbortController();
  const logs: string[] = [];
  const workers = ['w1', 'w2'].map((name) => runWorker({ server: suite.server.url, name, signal: stop.signal, log: (l) => logs.push(l) }));
  try {
    await train(config, { out: local.dir, progress: captureProgress() });
    const progress = captureProgress();
    await train({ ...config, rollouts: { jobsPerIteration: 2, server: suite.server.url } }, { out: remote.dir, progress, rollouts: natsRollouts() });
    expect(progress.text()).toMatch(/rollouts: run [0-9a-f]{16} on nats:\/\/127\.0\.0\.1:\d+/);

    const metrics = await metricsWithoutTime(remote.dir);
    expect(metrics).toHaveLength(3);
    expect(await metricLinesWithoutTime(remote.dir)).toEqual(await metricLinesWithoutTime(local.dir));
    expect(Object.keys(metrics[0].metrics).filter((k) => k.startsWith('rollouts/'))).toEqual([]);
    const samples = await readFile(join(remote.dir, 'samples.jsonl'), 'utf8');
    expect(samples).toBe(await readFile(join(local.dir, 'samples.jsonl'), 'utf8'));
    expect(samples.trim().split('\n').length).toBeGreaterThanOrEqual(3 * 4);
    const a = await folderFiles(join(local.dir, 'model'));
    const b = await folderFiles(join(remote.dir, 'model'));
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    expect(a.has('model.safetensors')).toBe(true);
    for (const [name, bytes] of a) expect(b.get(name)!.equals(bytes)).toBe(true);
  } finally {
    stop.abort();
    const done = await Promise.all(workers);
    // The workers did every job: 3 steps × 2 jobs.
    expect(done.reduce((n, s) => n + s.jobs, 0)).toBe(6);
    expect(logs.join('\n')).toMatch(/worker w1: job \d+\.\d of run/);
    await local.cleanup();
    await remote.cleanup();
  }
  expect(tf.memory().numTensors).toBe(tensors);
});

it('a LoRA run ships only the adapters and equals the single-process run (metrics, samples, adapter files)', async () => {
  const { raw } = await loadRecipe('default');
  const config: TrainConfigInput = { ...raw, lora: { r: 4 }, steps: 2, queriesPerStep: 4, eval: null, checkpointEvery: 0 };
  const local = await tempDir('lora-local');
  const remote = await tempDir('lora-nats');
  const stop = new AbortController();
  const worker = runWorker({ server: suite.server.url, signal: stop.signal });
  try {
    await train(config, { out: local.dir, progress: captureProgress() });
    const progress = captureProgress();
    await train({ ...config, rollouts: { server: suite.server.url } }, { out: remote.dir, progress, rollouts: natsRollouts() });
    const bytes = Number(/each policy version is (\d+) bytes/.exec(progress.text())?.[1]);
    const adapters = await folderFiles(join(local.dir, 'adapter'));
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(adapters.get('adapter_model.safetensors')!.length * 1.5);
    expect(await metricLinesWithoutTime(remote.dir)).toEqual(await metricLinesWithoutTime(local.dir));
    expect(await readFile(join(remote.dir, 'samples.jsonl'), 'utf8')).toBe(await readFile(join(local.dir, 'samples.jsonl'), 'utf8'));
    const b = await folderFiles(join(remote.dir, 'adapter'));
    for (const [name, data] of adapters) expect(b.get(name)!.equals(data)).toBe(true);
  } finally {
    stop.abort();
    expect((await worker).jobs).toBe(2);
    await local.cleanup();
    await remote.cleanup();
  }
});
