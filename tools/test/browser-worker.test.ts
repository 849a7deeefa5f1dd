// A browser tab as a rollout worker: headless Chromium joins a loopback nats-server through its
// WebSocket listener and serves every job of a run whose learner runs here in Node; the run equals
// the single-process run (metrics, samples, weights), so the tab sampled exactly what Node would.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { natsRollouts } from '@agon/distributed';
import { freePort, startNatsServer, type TestNatsServer } from '@agon/distributed/testing';
import { initBackend } from '@agon/tensor';
import { DEFAULT_MODEL, DEFAULT_MODEL_FILES, loadRecipe, train, type TrainConfigInput } from '@agon/trainer';
import type { TabWorkerResult } from '../browser/rollout-worker-page.js';
import { agonBrowserSources, browserSuite, openPage, root, type BrowserPage } from '../browser/harness.js';
import { natsMissing, runFingerprint } from './scale-out-helpers.js';

type Api = { agonTabWorker: { serve(server: string, wasmPaths: string, files: Record<string, string>, maxJobs: number): Promise<TabWorkerResult> } };

if (natsMissing && !process.env.CI) console.warn(`skipping the browser worker test: ${natsMissing}`);
const suite = natsMissing && !process.env.CI ? describe.skip : browserSuite;

suite('a browser tab as a rollout worker (headless Chromium, WebSocket)', () => {
  let work: string;
  let server: TestNatsServer;
  let tab: BrowserPage;
  let wsUrl: string;
  const quiet = { write: () => undefined, isTTY: false };

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'agon-tab-worker-'));
    const ws = await freePort();
    await writeFile(path.join(work, 'nats.conf'), `websocket { host: 127.0.0.1, port: ${ws}, no_tls: true }\n`);
    server = await startNatsServer({ args: ['-c', path.join(work, 'nats.conf')] });
    wsUrl = `ws://127.0.0.1:${ws}`;
    await initBackend({ backend: 'wasm' });
    tab = await openPage(path.join(root, 'tools/browser/rollout-worker-page.ts'), { plugins: [agonBrowserSources], external: ['node:*', 'webgpu', '@tensorflow/tfjs'] });
    await tab.page.waitForFunction(() => 'agonTabWorker' in globalThis);
  }, 180_000);
  afterAll(async () => {
    await tab?.close();
    await server?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('serves every job of a 2-step run, which equals the single-process run', async () => {
    const { raw } = await loadRecipe('default');
    const config = { ...raw, steps: 2, queriesPerStep: 4, eval: null, checkpointEvery: 0, rollouts: { jobsPerIteration: 2 } } as TrainConfigInput;
    await train(config, { out: path.join(work, 'local'), progress: quiet });
    const files = Object.fromEntries(DEFAULT_MODEL_FILES.map((name) => [name, readFileSync(path.join(DEFAULT_MODEL, name)).toString('base64')]));
    const worker = tab.page.evaluate(([s, w, f]) => (globalThis as unknown as Api).agonTabWorker.serve(s, w, f, 4), [wsUrl, tab.wasmUrl, files] as const);
    const out = path.join(work, 'tab');
    await train({ ...config, rollouts: { jobsPerIteration: 2, server: server.url, timeoutSeconds: 120 } }, { out, progress: quiet, rollouts: natsRollouts() });
    const done = await worker;
    expect(done.backend).toBe('wasm');
    expect(done.summary).toEqual({ jobs: 4, dropped: 0 });
    expect(done.log.filter((l) => /^worker tab: job \d\.\d of run [0-9a-f]{16} \(policy v\d\) done/.test(l))).toHaveLength(4);
    expect(await runFingerprint(out)).toEqual(await runFingerprint(path.join(work, 'local')));
  }, 300_000);
});
