// The trainer in headless Chromium, in a Web Worker: the default recipe (the embedded default model,
// served beside the page) for 3 steps on wasm gives the same metrics, samples, held-out accuracies
// and exported weights as `agon train` in Node for the same seed — the run is deterministic across
// runtimes, not only within one. Wall-clock seconds and memory are the only fields left out (they
// differ between two identical runs on one machine too). Once more on WebGPU (SwiftShader here):
// it runs and learns nothing NaN; equality across backends is not expected.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '@agon/cli';
import { DEFAULT_MODEL, nodeRunIO, readMetrics, readSamples, type MetricsLine } from '@agon/trainer';
import type { LoadReply, LoadRequest, TrainReply, TrainRequest } from '../browser/train-page.js';
import { agonBrowserSources, browserSuite, openPage, root, type BrowserPage } from '../browser/harness.js';

type Api = { agonTrain(req: TrainRequest): Promise<TrainReply>; agonLoadPicked(req: Omit<LoadRequest, 'files'>): Promise<LoadReply> };
type Ok = Exclude<TrainReply, { error: string }>;

/** metrics.jsonl less what differs between identical runs (seconds, memory). */
const numbers = (lines: MetricsLine[]) => lines.map((l) => ({ step: l.step, metrics: l.metrics }));

browserSuite('train() in a Web Worker in headless Chromium', () => {
  let tab: BrowserPage;
  let dir: string;
  let nodeBackend: string;
  let node: { config: Record<string, unknown>; metrics: MetricsLine[]; samples: unknown[]; summary: { eval?: unknown }; modelSha256: string };

  const trainInTab = async (req: Omit<TrainRequest, 'wasmUrl' | 'modelUrl'>): Promise<Ok> => {
    const reply = await tab.page.evaluate(
      // The model's URL relative to the worker's, as a page would write it.
      ([r, wasmUrl]) => (globalThis as unknown as Api).agonTrain({ ...r, wasmUrl, modelUrl: '/default-model/' }),
      [req, tab.wasmUrl] as const,
    );
    if ('error' in reply) throw new Error(`the worker failed: ${reply.error}\n${progress.join('\n')}`);
    return reply;
  };

  const progress: string[] = []; // the worker's progress lines, for the error message of a failed run

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'agon-browser-train-'));
    const out = path.join(dir, 'node');
    const lines: string[] = [];
    // agon's kernel threads: 2 in Node here and 2 in the tab below, every product split (the
    // default model's products are all under the default size threshold).
    process.env.AGON_THREADS = '2';
    process.env.AGON_THREAD_MIN_FLOPS = '0';
    let code: number;
    try {
      code = await main(['train', '--steps', '3', '--backend', 'wasm', '--out', out], { out: (l) => void lines.push(l), err: (l) => void lines.push(l) });
    } finally {
      delete process.env.AGON_THREADS;
      delete process.env.AGON_THREAD_MIN_FLOPS;
    }
    if (code !== 0) throw new Error(`agon train failed:\n${lines.join('\n')}`);
    nodeBackend = lines.find((l) => l.startsWith('agon train: backend')) ?? '';
    const io = nodeRunIO(out);
    node = {
      config: JSON.parse(await readFile(path.join(out, 'config.json'), 'utf8')) as Record<string, unknown>,
      metrics: await readMetrics(io),
      samples: await readSamples(io),
      summary: JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8')) as { eval?: unknown },
      modelSha256: createHash('sha256').update(await readFile(path.join(out, 'model/model.safetensors'))).digest('hex'),
    };
    tab = await openPage(
      path.join(root, 'tools/browser/train-page.ts'),
      { plugins: [agonBrowserSources] },
      { worker: path.join(root, 'tools/browser/train-worker.ts'), folders: { 'default-model': DEFAULT_MODEL } },
    );
    tab.page.on('console', (m) => void progress.push(m.text()));
  }, 600_000);

  afterAll(async () => {
    await tab?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('on wasm with 2 kernel threads and memory run IO: the same metrics, samples, accuracies and weights as agon train in Node on 2 threads', async () => {
    const web = await trainInTab({ config: node.config, backend: 'wasm', threads: 2, threadMinFlops: 0, io: 'memory' });
    console.log(`browser wasm: ${web.seconds.toFixed(1)} s for 3 steps and 2 evaluations (${web.reason})`);
    expect(web.backend).toBe('wasm');
    expect(nodeBackend).toContain('2 threads for matMul products of ≥ 0 MFLOP (AGON_THREADS=2)');
    expect(web.reason).toContain('2 threads for matMul products of ≥ 0 MFLOP (threads: 2 asked for)');
    expect(node.metrics).toHaveLength(3);
    expect(numbers(web.metrics)).toEqual(numbers(node.metrics));
    expect(web.samples).toEqual(node.samples);
    expect(node.summary.eval).toEqual({ before: expect.any(Number), after: expect.any(Number) });
    expect((web.summary as { eval?: unknown }).eval).toEqual(node.summary.eval);
    expect(web.result.eval).toEqual(node.summary.eval);
    expect(web.modelSha256).toBe(node.modelSha256);
  }, 600_000);

  it('a model folder picked with <input webkitdirectory> loads in the worker as the same model as from its URL', async () => {
    await tab.page.setInputFiles('#pick', DEFAULT_MODEL);
    const reply = await tab.page.evaluate(
      ([wasmUrl]) => (globalThis as unknown as Api).agonLoadPicked({ wasmUrl, modelUrl: new URL('/default-model/', location.href).href }),
      [tab.wasmUrl] as const,
    );
    expect(reply).toEqual({
      location: path.basename(DEFAULT_MODEL),
      names: ['README.md', 'config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'],
      sameIds: true,
      sameLogits: true,
      sameTokenizerFiles: true,
      logitCount: expect.any(Number),
    });
    expect((reply as { logitCount: number }).logitCount).toBeGreaterThan(1000);
  }, 120_000);

  // SwiftShader runs WebGPU on the CPU, a few milliseconds per kernel: the default recipe's batch
  // (8 queries × 4 answers of up to 28 tokens, and 2 × 200 held-out answers) would take many
  // minutes (tfjs compiles a shader for each new shape, and SwiftShader compiles slowly), so this
  // run is the same recipe at 2 queries × 2 answers of up to 6 tokens, without evaluation.
  it('on WebGPU (SwiftShader) with OPFS run IO: the default recipe, smaller, runs its 3 steps', async () => {
    const sampling = { ...(node.config.sampling as object), solverMaxNewTokens: 6 };
    const web = await trainInTab({ config: { ...node.config, queriesPerStep: 2, answersPerQuery: 2, sampling, eval: null }, backend: 'webgpu', io: 'opfs' });
    console.log(`browser webgpu: ${web.seconds.toFixed(1)} s for 3 steps (${web.reason})\n${web.log}`);
    expect(web.backend).toBe('webgpu');
    expect(web.result.steps).toBe(3);
    expect(web.metrics.map((l) => l.step)).toEqual([1, 2, 3]);
    for (const l of web.metrics) expect(Number.isFinite(l.metrics.loss)).toBe(true);
    expect(web.samples.filter((r) => r.role === 'solver')).toHaveLength(3 * 2 * 2);
    expect(web.modelSha256).toMatch(/^[0-9a-f]{64}$/);
  }, 600_000);
});
