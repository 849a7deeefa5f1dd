// The playground page in headless Chromium (Debian's, driven by playwright-core through
// tools/browser/harness.ts): the static build served with COOP/COEP, the default recipe run for 3
// steps on wasm and on WebGPU (SwiftShader here), charts and game viewer filled, pause/resume and
// reload-resume continuing the same run, a broken recipe shown at its field, downloads. Screenshots
// go to tmp/playground/ for a person to look at.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { agonBrowserSources, browserSuite, launchChromium, root } from '../../../tools/browser/harness.js';
import { buildPlayground } from '../scripts/build.mjs';
import { servePlayground } from '../scripts/serve.mjs';

const shots = path.join(root, 'tmp/playground');
type Hooks = { agonPlayground: { state(): string; step(): number; chartCounts(): Record<string, number>; log(): string[] } };

browserSuite('the playground in headless Chromium', () => {
  let browser: Browser;
  let server: { url: string; close(): Promise<void> };
  let page: Page;

  const state = () => page.evaluate(() => (globalThis as unknown as Hooks).agonPlayground.state());
  /** Waits for the page's state `s` (or 'failed', which ends the wait); a failure or timeout carries the page's error and log. */
  const waitState = async (s: string, timeout = 120_000) => {
    const report = async (why: string) => {
      const log = await page.evaluate(() => (globalThis as unknown as Hooks).agonPlayground.log().slice(-20).join('\n'));
      const error = (await page.locator('#error').isVisible()) ? await page.locator('#error').textContent() : '';
      return new Error(`${why}\nstate ${await state()}; the page's error: ${error}\nthe page's log:\n${log}`);
    };
    await page
      .waitForFunction((want) => [want, 'failed'].includes((globalThis as unknown as Hooks).agonPlayground?.state() ?? ''), s, { timeout, polling: 100 })
      .catch(async (e: unknown) => {
        throw await report(String(e));
      });
    if (s !== 'failed' && (await state()) === 'failed') throw await report(`waited for '${s}'`);
  };
  const waitStep = (n: number) => page.waitForFunction((k) => (globalThis as unknown as Hooks).agonPlayground.step() >= k, n, { timeout: 120_000, polling: 100 });
  const counts = () => page.evaluate(() => (globalThis as unknown as Hooks).agonPlayground.chartCounts());
  const setField = async (p: string, value: string) => {
    await page.locator(`input[data-path="${p}"]`).fill(value);
  };
  /** The page with the options open, `backend` picked and `fields` set. */
  const prepare = async (backend: string, fields: Record<string, string>) => {
    await page.locator('#options').evaluate((d) => ((d as HTMLDetailsElement).open = true));
    await page.locator(`input[name=backend][value=${backend}]`).check();
    for (const [k, v] of Object.entries(fields)) await setField(k, v);
  };
  /** Edits the recipe through the editor's JSON view. */
  const editJson = async (edit: (recipe: Record<string, unknown>) => void) => {
    const area = page.locator('.recipe-json textarea');
    if (!(await area.isVisible())) await page.locator('.recipe-json summary').click();
    const recipe = JSON.parse(await area.inputValue()) as Record<string, unknown>;
    edit(recipe);
    await area.fill(JSON.stringify(recipe));
    await page.locator('.recipe-json button').click();
  };
  const metricsFile = () =>
    page.evaluate(async () => {
      const dir = await (await (await navigator.storage.getDirectory()).getDirectoryHandle('playground')).getDirectoryHandle('run');
      return (await (await dir.getFileHandle('metrics.jsonl')).getFile()).text();
    });
  /** metrics.jsonl without the fields that differ between identical runs (time, memory). */
  const numbers = (text: string) =>
    text
      .trim()
      .split('\n')
      .map((l) => {
        const { step, metrics } = JSON.parse(l) as { step: number; metrics: Record<string, number | null> };
        return { step, metrics };
      });

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    const dir = await buildPlayground({ outDir: path.join(root, 'tmp/playground/site'), plugins: [agonBrowserSources], minify: false });
    server = await servePlayground(dir);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('console', (m) => {
      if (m.type() === 'error') console.error(`page: ${m.text()}`);
    });
    await page.goto(server.url);
    await waitState('idle', 60_000);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('is cross-origin isolated and offers every backend with a reason', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const options = await page.locator('.backend-option').allTextContents();
    expect(options.join('\n')).toMatch(/webgpu — software adapter/);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(cores).toBeGreaterThanOrEqual(2);
    expect(options.join('\n')).toContain(`wasm — SIMD, ${cores} threads: agon's matMul splits large products across ${cores} threads, one per core this browser reports (the page is cross-origin isolated)`);
  });

  it('served without COOP/COEP, says wasm runs one thread because the page is not cross-origin isolated', async () => {
    const plain = await servePlayground(path.join(root, 'tmp/playground/site'), 0, { isolated: false });
    const other = await browser.newPage();
    try {
      await other.goto(plain.url);
      await other.waitForFunction(() => (globalThis as unknown as Hooks).agonPlayground?.state() === 'idle', undefined, { timeout: 60_000 });
      expect(await other.evaluate(() => crossOriginIsolated)).toBe(false);
      const options = await other.locator('.backend-option').allTextContents();
      expect(options.join('\n')).toContain('wasm — SIMD, one thread: the page is not cross-origin isolated (threads need SharedArrayBuffer, which needs the COOP/COEP headers)');
    } finally {
      await other.close();
      await plain.close();
    }
  });

  it('shows a broken recipe’s errors at their fields and does not start', async () => {
    await prepare('wasm', { answersPerQuery: '1', 'optimizer.lr': '"fast"' });
    const g = page.locator('.field-error[data-path="answersPerQuery"]');
    await expect(g.textContent()).resolves.toMatch(/answersPerQuery \(G\) must be ≥ 2/);
    await expect(page.locator('.field-error[data-path="optimizer.lr"]').textContent()).resolves.toMatch(/optimizer\.lr: .*number/i);
    await expect(page.locator('input[data-path="answersPerQuery"]').getAttribute('aria-invalid')).resolves.toBe('true');
    await page.screenshot({ path: path.join(shots, 'broken-recipe.png'), fullPage: true });
    await page.locator('#start').click();
    expect(await state()).toBe('failed');
    await setField('answersPerQuery', '4');
    await setField('optimizer.lr', '0.0003');
    expect(await page.locator('.field-error[data-path="answersPerQuery"]').count()).toBe(0);
  });

  let paused: ReturnType<typeof numbers>;
  it('runs the default recipe 3 steps on wasm, pauses and resumes it, and fills charts, viewer and downloads', async () => {
    await prepare('wasm', { steps: '3' });
    await page.locator('#start').click();
    await waitStep(1);
    await page.locator('#pause').click();
    await waitState('paused');
    const at = await page.evaluate(() => (globalThis as unknown as Hooks).agonPlayground.step());
    expect(at).toBeGreaterThanOrEqual(1);
    await page.locator('#resume').click();
    await waitState('finished', 180_000);
    expect(await page.locator('#backend').getAttribute('data-backend')).toBe('wasm');
    // The worker's own start: agon's kernel threads ran, one per core.
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(await page.locator('#backend').textContent()).toContain(`${cores} threads for matMul products of ≥ 32 MFLOP (${cores} cores present)`);
    const c = await counts();
    // two roles × 3 steps; accuracy before and after
    expect(c).toMatchObject({ reward: 6, kl: 6, entropy: 6, challenger: 6, speed: 6, accuracy: 2 });
    expect(await page.locator('.viewer-list .group').count()).toBeGreaterThan(0);
    expect(await page.locator('.viewer-list .group table tr').count()).toBeGreaterThan(1);
    paused = numbers(await metricsFile());
    expect(paused.map((l) => l.step)).toEqual([1, 2, 3]);
    // The list is read from OPFS after the state changes.
    await page.waitForSelector('#downloads a[data-path="model/model.safetensors"]', { timeout: 10_000 });
    const files = await page.locator('#downloads a').evaluateAll((as) => as.map((a) => (a as HTMLElement).dataset['path']));
    expect(files).toEqual(expect.arrayContaining(['metrics.jsonl', 'samples.jsonl', 'report.html', 'model/model.safetensors', 'model/config.json']));
    const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('#downloads a[data-path="report.html"]').click()]);
    const report = readFileSync((await dl.path())!, 'utf8');
    expect(report).toContain('<h1>agon train');
    expect(report).toContain('The game');
    await page.screenshot({ path: path.join(shots, 'wasm-finished.png'), fullPage: true });
  }, 300_000);

  it('pins the viewer to a step and searches every step', async () => {
    await page.locator('.viewer-step').selectOption('1');
    expect(await page.locator('.viewer-follow').isChecked()).toBe(false);
    const query = (await page.locator('.viewer-list .group code').first().textContent()) ?? '';
    expect(query.length).toBeGreaterThan(0);
    await page.locator('.viewer-search').fill(query);
    const hits = await page.locator('.viewer-list .group .meta').allTextContents();
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.some((t) => t.startsWith('step 1'))).toBe(true);
    await page.locator('.viewer-search').fill('');
    await page.locator('.viewer-follow').check();
    await expect(page.locator('.viewer-step').inputValue()).resolves.toBe('3');
  });

  it('resumes a run from its OPFS checkpoint after the page reloads, with the metrics of the paused run', async () => {
    await prepare('wasm', { steps: '3', checkpointEvery: '1' });
    await page.locator('#start').click();
    await waitStep(2);
    await page.reload();
    await waitState('paused', 60_000);
    expect(await page.locator('#saved').textContent()).toMatch(/left at step [12] of 3/);
    await page.locator('#resume-saved').click();
    await waitState('finished', 180_000);
    expect(numbers(await metricsFile())).toEqual(paused);
    expect((await counts()).reward).toBe(6);
  }, 300_000);

  it('stops a run where it is: the trainer then evaluates, exports the model and writes the report', async () => {
    await prepare('wasm', { steps: '3', checkpointEvery: '10' });
    await page.locator('#start').click();
    await waitStep(1);
    await page.locator('#stop').click();
    await waitState('finished');
    const steps = numbers(await metricsFile()).map((l) => l.step);
    expect(steps.length).toBeLessThan(3);
    expect(await page.locator('#log').textContent()).toMatch(/eval after: accuracy/);
    // The list is read from OPFS after the state changes.
    await page.waitForSelector('#downloads a[data-path="model/model.safetensors"]', { timeout: 10_000 });
    const files = await page.locator('#downloads a').evaluateAll((as) => as.map((a) => (a as HTMLElement).dataset['path']));
    expect(files).toEqual(expect.arrayContaining(['summary.json', 'report.html', 'model/model.safetensors']));
  }, 300_000);

  // SwiftShader compiles a WGSL pipeline for every new tensor shape on the CPU, and the first step
  // meets hundreds of them (minutes on a loaded 2-core machine): the WebGPU check runs the default
  // recipe for 3 steps with 2 queries × 2 answers and no held-out evaluation.
  it('runs the default recipe 3 steps on WebGPU (SwiftShader here), says which adapter, and fills the charts', async () => {
    await prepare('webgpu', {});
    await editJson((r) => Object.assign(r, { steps: 3, queriesPerStep: 2, answersPerQuery: 2, eval: null }));
    expect(await page.locator('.field-error:not([data-path=""])').count()).toBe(0);
    await page.locator('#start').click();
    await waitState('finished', 900_000);
    expect(await page.locator('#backend').getAttribute('data-backend')).toBe('webgpu');
    expect(await page.locator('#backend').textContent()).toMatch(/swiftshader/i);
    expect(await counts()).toMatchObject({ reward: 6, kl: 6, entropy: 6, challenger: 6, speed: 6, accuracy: 0 });
    expect(await page.locator('.viewer-list .group table tr').count()).toBeGreaterThan(1);
    await page.screenshot({ path: path.join(shots, 'webgpu-finished.png'), fullPage: true });
  }, 960_000);

  /** The file the page offers for download at `rel`, as text. */
  const downloaded = async (rel: string) => {
    await page.waitForSelector(`#downloads a[data-path="${rel}"]`, { timeout: 10_000 });
    const [dl] = await Promise.all([page.waitForEvent('download'), page.locator(`#downloads a[data-path="${rel}"]`).click()]);
    return readFileSync((await dl.path())!, 'utf8');
  };

  it('trains a llama2.c file chosen from disk (stories260K with its tokenizer) and exports it as a Hugging Face folder', async () => {
    const assets = path.join(root, 'packages/models/assets/stories260K');
    await page.locator('#pick-files').setInputFiles([path.join(assets, 'stories260K.bin'), path.join(assets, 'tok512.bin')]);
    expect(await page.locator('#model-choice').textContent()).toMatch(/^Model: stories260K \(2 files, 1\.\d MB\)$/);
    expect(await page.locator('#start').textContent()).toBe('Train stories260K');
    await prepare('wasm', {});
    // 512 positions cannot hold the 629-token LSP challenger prompt: a short one, as a user of a small model would write
    await editJson((r) =>
      Object.assign(r, { steps: 1, queriesPerStep: 2, answersPerQuery: 2, eval: null, game: { ...(r['game'] as object), challengerPrompt: 'Write a sum of two numbers.' } }),
    );
    await page.locator('#start').click();
    await waitState('finished', 300_000);
    expect(numbers(await metricsFile()).map((l) => l.step)).toEqual([1]);
    const config = JSON.parse(await downloaded('model/config.json')) as Record<string, unknown>;
    expect(config).toMatchObject({ architectures: ['LlamaForCausalLM'], vocab_size: 512, hidden_size: 64, num_hidden_layers: 5, num_key_value_heads: 4 });
  }, 360_000);

  it('trains a Hugging Face folder chosen with the folder picker (the default model’s own folder)', async () => {
    const folder = path.join(root, 'packages/trainer/assets/default-model');
    await page.locator('#pick-folder').setInputFiles(folder);
    expect(await page.locator('#model-choice').textContent()).toMatch(/^Model: default-model \(\d+ files, /);
    await prepare('wasm', {});
    await editJson((r) => Object.assign(r, { steps: 1, queriesPerStep: 2, answersPerQuery: 2, eval: null }));
    await page.locator('#start').click();
    await waitState('finished', 300_000);
    expect(numbers(await metricsFile()).map((l) => l.step)).toEqual([1]);
    const config = JSON.parse(await downloaded('model/config.json')) as Record<string, unknown>;
    const original = JSON.parse(readFileSync(path.join(folder, 'config.json'), 'utf8')) as Record<string, unknown>;
    for (const k of ['architectures', 'hidden_size', 'num_hidden_layers', 'vocab_size']) expect(config[k]).toEqual(original[k]);
  }, 360_000);
});
