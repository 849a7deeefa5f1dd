// What a run folder keeps when the run is stopped or fails: a stop is noticed after the current
// step, checkpoints are also written by time and when a step fails, a hung reward server does not
// hold a stopped run, the logs reach disk every step, and leftovers of a killed checkpoint write
// are removed.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RewardFn } from '@agon/core';
import { loadModel, STORIES_260K, type LoadedModel } from '@agon/models';
import { initBackend } from '@agon/tensor';
import { listCheckpoints, nodeRunIO, parseTrainConfig, readMetrics, train, type TrainConfigInput } from '@agon/trainer';
import { captureProgress, SMALL, storyGame, tempDir } from './helpers.js';

let policy: LoadedModel;
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  policy = await loadModel(STORIES_260K);
});
afterAll(() => policy.model.dispose());

const length: RewardFn<string> = async (batch) => batch.map((x) => x.answer.length / 10);
const CONFIG: TrainConfigInput = { ...SMALL, steps: 4, seed: 3, checkpointEvery: 0, keepCheckpoints: 10 };

it('checkpointSeconds defaults to a minute and must be ≥ 0', () => {
  expect(parseTrainConfig({}, 'r.json').checkpointSeconds).toBe(60);
  expect(() => parseTrainConfig({ checkpointSeconds: -1 }, 'r.json')).toThrow(/r\.json: field checkpointSeconds/);
});

it('a stop requested from a timer (as Ctrl-C is) is noticed after the current step, with a checkpoint', async () => {
  const { dir, cleanup } = await tempDir('stop');
  try {
    const controller = new AbortController();
    const progress = captureProgress();
    const write = progress.write;
    // A signal handler runs only when the event loop turns: the loop must yield between steps.
    progress.write = (s) => {
      write(s);
      if (s.startsWith('step 1/')) setTimeout(() => controller.abort(), 0);
    };
    const r = await train({ ...CONFIG, steps: 6 }, { out: dir, policy, game: storyGame(), reward: length, signal: controller.signal, progress });
    expect(r.stopped).toBe(true);
    expect(r.steps).toBeLessThanOrEqual(2);
    expect(await listCheckpoints(nodeRunIO(dir))).toEqual([r.steps]);
  } finally {
    await cleanup();
  }
});

it('checkpoints by time as well as by step count', async () => {
  const { dir, cleanup } = await tempDir('by-time');
  try {
    // Every step takes more than a millisecond: each one is due.
    await train({ ...CONFIG, steps: 3, checkpointSeconds: 0.001 }, { out: dir, policy, game: storyGame(), reward: length, progress: captureProgress() });
    expect(await listCheckpoints(nodeRunIO(dir))).toEqual([1, 2, 3]);
  } finally {
    await cleanup();
  }
});

it('a step that fails leaves a checkpoint of the last good step, named in the error, and resume continues', async () => {
  const { dir, cleanup } = await tempDir('fatal');
  try {
    let calls = 0;
    const dies: RewardFn<string> = async (batch) => {
      calls += 1;
      if (calls === 3) throw new Error('reward server at http://127.0.0.1:9 refused the connection');
      return length(batch);
    };
    await expect(train(CONFIG, { out: dir, policy, game: storyGame(), reward: dies, progress: captureProgress() })).rejects.toThrow(
      /reward server at http:\/\/127\.0\.0\.1:9 refused the connection \(step 3 failed; a checkpoint of step 2 was saved: continue with --resume\)/,
    );
    expect(await listCheckpoints(nodeRunIO(dir))).toEqual([2]);
    const metrics = (await readFile(join(dir, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    expect(metrics.map((l) => JSON.parse(l).step)).toEqual([1, 2]);
    const r = await train({}, { out: dir, policy, game: storyGame(), reward: length, resume: true, progress: captureProgress() });
    expect(r.steps).toBe(4);
  } finally {
    await cleanup();
  }
});

it('an evaluation that fails mid-run loses only itself: the step before it is logged and checkpointed, and resume continues', async () => {
  const { dir, cleanup } = await tempDir('eval-fails');
  try {
    let calls = 0;
    const evaluate = async () => {
      calls += 1; // 1: before training; 2: after step 2
      if (calls === 2) throw new Error('held-out query 3: the prompt (600 tokens) does not fit the context (512)');
      return { accuracy: 0.5, n: 4 };
    };
    await expect(train({ ...CONFIG, eval: { every: 2 } }, { out: dir, policy, game: storyGame(), reward: length, evaluate, progress: captureProgress() })).rejects.toThrow(
      'held-out query 3: the prompt (600 tokens) does not fit the context (512) (the evaluation after step 2 failed; a checkpoint of step 2 was saved: continue with --resume)',
    );
    expect(await listCheckpoints(nodeRunIO(dir))).toEqual([2]);
    const lines = (await readFile(join(dir, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([1, 2]);
    expect(lines[1].metrics['eval/accuracy']).toBeUndefined();
    const r = await train({}, { out: dir, policy, game: storyGame(), reward: length, evaluate, resume: true, progress: captureProgress() });
    expect(r.steps).toBe(4);
    expect(r.eval).toEqual({ before: 0.5, after: 0.5 });
  } finally {
    await cleanup();
  }
});

it('a stopped run does not wait for a hung reward server, and keeps the steps done before it hung', async () => {
  const { dir, cleanup } = await tempDir('hung');
  let server: Server | undefined;
  let answering = true; // answers until step 1 is done, then accepts requests and never answers
  try {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (!answering) return;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ rewards: (JSON.parse(body) as { items: unknown[] }).items.map((_, k) => k / 10) }));
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/reward`;
    const controller = new AbortController();
    const progress = captureProgress();
    const write = progress.write;
    let stoppedAt = 0;
    progress.write = (s) => {
      write(s);
      if (!s.startsWith('step 1/')) return;
      answering = false;
      setTimeout(() => {
        stoppedAt = Date.now();
        controller.abort();
      }, 1500);
    };
    const r = await train({ ...CONFIG, rewards: [{ type: 'remote', url, timeoutMs: 60_000 }] }, { out: dir, policy, game: storyGame(), signal: controller.signal, progress });
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    expect(r.stopped).toBe(true);
    expect(r.steps).toBe(1);
    expect(await listCheckpoints(nodeRunIO(dir))).toEqual([1]);
  } finally {
    server?.closeAllConnections();
    server?.close();
    await cleanup();
  }
});

it('warnings raised before a checkpoint survive a resume, in the result and summary.json, and are not repeated', async () => {
  const { dir, cleanup } = await tempDir('warnings');
  try {
    const flat: RewardFn<string> = async (batch) => batch.map(() => 0.5); // every group zero variance: warned at step 1
    const controller = new AbortController();
    const first = captureProgress();
    const write = first.write;
    first.write = (s) => {
      write(s);
      if (s.startsWith('step 2/')) controller.abort();
    };
    const stopped = await train({ ...CONFIG, steps: 4 }, { out: dir, policy, game: storyGame(), reward: flat, signal: controller.signal, progress: first });
    expect(stopped.stopped).toBe(true);
    expect(stopped.warnings).toContainEqual(expect.stringMatching(/^step 1: every group had zero reward variance/));
    const second = captureProgress();
    const r = await train({}, { out: dir, policy, game: storyGame(), reward: flat, resume: true, progress: second });
    expect(r.steps).toBe(4);
    expect(r.warnings).toEqual(stopped.warnings);
    expect(second.text()).not.toContain('warning:');
    expect(JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')).warnings).toEqual(stopped.warnings);
  } finally {
    await cleanup();
  }
});

it('a folder whose first checkpoint write never finished resumes from step 0 to the uninterrupted result', async () => {
  const a = await tempDir('straight');
  const b = await tempDir('first-write-dies');
  const loaded: LoadedModel[] = [];
  const fresh = async () => loaded[loaded.push(await loadModel(STORIES_260K)) - 1];
  const weights = (m: LoadedModel) => m.model.trainableVariables().map((v) => v.dataSync());
  try {
    const config = { ...CONFIG, steps: 3, checkpointSeconds: 0 }; // one checkpoint, after the last step
    await train(config, { out: a.dir, policy: await fresh(), game: storyGame(), reward: length, progress: captureProgress() });
    // The write dies between its temp folder and the rename, as a kill there leaves it.
    const dies = { ...nodeRunIO(b.dir), rename: async () => Promise.reject(new Error('killed before the rename')) };
    await expect(train(config, { io: dies, policy: await fresh(), game: storyGame(), reward: length, progress: captureProgress() })).rejects.toThrow(/killed before the rename/);
    expect(await readdir(join(b.dir, 'checkpoints'))).toEqual(['step-000003.tmp']);
    const progress = captureProgress();
    await train({}, { out: b.dir, policy: await fresh(), game: storyGame(), reward: length, resume: true, progress });
    expect(progress.text()).toContain(`resuming ${b.dir}: no checkpoint yet, starting from step 0`);
    expect(await readdir(join(b.dir, 'checkpoints'))).toEqual(['step-000003']);
    const steps = async (dir: string) => (await readMetrics(nodeRunIO(dir))).map(({ step, metrics }) => ({ step, metrics }));
    expect(await steps(b.dir)).toEqual(await steps(a.dir));
    expect(await readFile(join(b.dir, 'samples.jsonl'), 'utf8')).toBe(await readFile(join(a.dir, 'samples.jsonl'), 'utf8'));
    const [straight, , resumed] = loaded.map(weights);
    resumed.forEach((w, i) => expect(w).toEqual(straight[i]));
  } finally {
    for (const m of loaded) m.model.dispose();
    await a.cleanup();
    await b.cleanup();
  }
});

it('metrics.jsonl and samples.jsonl reach disk every step, as whole lines', async () => {
  const { dir, cleanup } = await tempDir('logs');
  try {
    const onDisk: number[][] = [];
    const lines = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '');
    const progress = captureProgress();
    const write = progress.write;
    // The progress line of step N is printed after step N: its log lines must already be on disk.
    progress.write = (s) => {
      write(s);
      if (/^step \d+\//.test(s)) {
        const m = lines('metrics.jsonl');
        const r = lines('samples.jsonl');
        expect(m.endsWith('\n') && r.endsWith('\n')).toBe(true);
        onDisk.push([m.split('\n').length - 1, r.split('\n').length - 1]);
      }
    };
    await train({ ...CONFIG, steps: 3 }, { out: dir, policy, game: storyGame(), reward: length, progress });
    expect(onDisk.map(([m]) => m)).toEqual([1, 2, 3]);
    expect(onDisk[0][1]).toBeGreaterThan(0);
    expect(onDisk[1][1]).toBeGreaterThan(onDisk[0][1]);
  } finally {
    await cleanup();
  }
});

it('leftover temp folders of a checkpoint write that was killed are removed', async () => {
  const { dir, cleanup } = await tempDir('orphans');
  try {
    await train({ ...CONFIG, steps: 1 }, { out: dir, policy, game: storyGame(), reward: length, progress: captureProgress() });
    await mkdir(join(dir, 'checkpoints', 'step-000002.tmp-99999'), { recursive: true });
    await train({ steps: 2 }, { out: dir, policy, game: storyGame(), reward: length, resume: true, progress: captureProgress() });
    expect((await readdir(join(dir, 'checkpoints'))).filter((n) => n.includes('.tmp'))).toEqual([]);
  } finally {
    await cleanup();
  }
});

it('remote reward retries are logged and counted per step; an all-null batch warns; a server that goes away names the URL and the cause, and the last step is saved', async () => {
  const { dir, cleanup } = await tempDir('remote');
  let requests = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests += 1;
      if (requests === 1) {
        res.writeHead(503);
        res.end('busy');
        return;
      }
      const items = (JSON.parse(body) as { items: unknown[] }).items;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ rewards: items.map(() => null) }));
    });
  });
  try {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/reward`;
    const progress = captureProgress();
    await train({ ...CONFIG, steps: 1, rewards: [{ type: 'remote', url, retries: 2, backoffMs: 1 }] }, { out: dir, policy, game: storyGame(), progress });
    const line = JSON.parse((await readFile(join(dir, 'metrics.jsonl'), 'utf8')).trim().split('\n')[0]);
    expect(line.metrics['reward/remoteRetries']).toBe(1);
    expect(progress.text()).toContain(`remote reward ${url}: attempt 1 failed (HTTP 503: busy); retrying in 1 ms`);
    expect(progress.text()).toMatch(/warning: remote reward .* gave null \(not applicable\) for all \d+ answers/);

    // The server goes away after step 1: step 2 fails naming the URL and the cause, step 1 is saved.
    const gone = await tempDir('remote-gone');
    const dies = captureProgress();
    const write = dies.write;
    dies.write = (s) => {
      write(s);
      if (s.startsWith('step 1/')) {
        server.closeAllConnections();
        server.close();
      }
    };
    try {
      await expect(
        train({ ...CONFIG, steps: 2, rewards: [{ type: 'remote', url, retries: 1, backoffMs: 1 }] }, { out: gone.dir, policy, game: storyGame(), progress: dies }),
      ).rejects.toThrow(new RegExp(`^remoteReward ${url.replace(/[.]/g, '\\.')}: failed after 2 attempts; last error: request failed: fetch failed: .*ECONNREFUSED.* \\(step 2 failed; a checkpoint of step 1 was saved: continue with --resume\\)$`));
      expect(await listCheckpoints(nodeRunIO(gone.dir))).toEqual([1]);
    } finally {
      await gone.cleanup();
    }
  } finally {
    server.closeAllConnections();
    server.close();
    await cleanup();
  }
});

it('the model is exported before summary.json, which is written last of the run files it marks finished', async () => {
  const { dir, cleanup } = await tempDir('order');
  try {
    const io = nodeRunIO(dir);
    const written: string[] = [];
    const recording = { ...io, writeAtomic: (path: string, data: Uint8Array | string) => (written.push(path), io.writeAtomic(path, data)) };
    const exporter = { folder: 'model', files: async (): Promise<[string, Uint8Array | string][]> => [['config.json', '{}'], ['model.safetensors', new Uint8Array(8)]] };
    await train({ ...CONFIG, steps: 1 }, { io: recording, policy, game: storyGame(), reward: length, exporter, progress: captureProgress() });
    const summary = written.indexOf('summary.json');
    const model = written.map((p, i) => [p, i] as const).filter(([p]) => p.startsWith('model/'));
    expect(model.length).toBeGreaterThan(0);
    expect(summary).toBeGreaterThan(Math.max(...model.map(([, i]) => i)));
  } finally {
    await cleanup();
  }
});
