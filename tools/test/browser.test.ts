// @agon/tensor in a real browser tab: headless Chromium with WebGPU (SwiftShader on a machine
// without a GPU) and WebGL. The page selects each backend through initBackend and checks values
// and a gradient against float64 JavaScript (tools/browser/checks.ts).
// On a laptop without Chromium the suite is skipped with a printed reason; under CI it must run.
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import type { BackendReport } from '../browser/checks.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = process.env.AGON_CHROMIUM ?? '/usr/bin/chromium';
// tfjs' binaries and agon's kernels, served from one prefix (initBackend's wasmPaths).
const wasmDirs = [path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist'), path.join(root, 'packages/tensor/wasm')];
const required = Boolean(process.env.CI);
const missing = existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set AGON_CHROMIUM)`;

if (missing && !required) console.warn(`skipping browser tests: ${missing}`);
const suite = missing && !required ? describe.skip : describe;

suite('@agon/tensor in headless Chromium', () => {
  let server: http.Server;
  let browser: Browser;
  let reports: BackendReport[];

  beforeAll(async () => {
    if (missing) throw new Error(`browser tests are required under CI: ${missing}`);
    const bundle = await build({
      entryPoints: [path.join(root, 'tools/browser/checks.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
      // Node-only branches of @agon/tensor (Dawn, the Node tfjs bundle) are never reached in a page.
      external: ['webgpu', '@tensorflow/tfjs'],
      alias: { '@agon/tensor': path.join(root, 'packages/tensor/src/index.ts'), '@agon/core': path.join(root, 'packages/core/src/index.ts') },
    });
    const js = bundle.outputFiles[0].text;
    server = http.createServer((req, res) => {
      const url = req.url ?? '/';
      if (url === '/') {
        res.setHeader('content-type', 'text/html');
        res.end('<!doctype html><meta charset="utf-8"><script type="module" src="/checks.js"></script>');
      } else if (url === '/checks.js') {
        res.setHeader('content-type', 'text/javascript');
        res.end(js);
      } else if (url.startsWith('/wasm/') && /^[\w.-]+\.wasm$/.test(url.slice(6))) {
        res.setHeader('content-type', 'application/wasm');
        const file = wasmDirs.map((d) => path.join(d, url.slice(6))).find((f) => existsSync(f));
        if (!file) {
          res.statusCode = 404;
          res.end();
          return;
        }
        res.end(readFileSync(file));
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = (server.address() as AddressInfo).port;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-angle=swiftshader',
        '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => 'agonChecks' in globalThis);
    reports = await page.evaluate(
      ([wasm]) => (globalThis as unknown as { agonChecks: (b: string[], w: string) => Promise<BackendReport[]> }).agonChecks(['webgpu', 'webgl', 'wasm', 'cpu', 'auto'], wasm),
      [`http://127.0.0.1:${port}/wasm/`],
    );
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((ok) => (server ? server.close(ok) : ok(undefined)));
  });

  // float32 on a GPU: sums of 24 products and exp/log stay within 1e-4 of float64.
  it.each(['webgpu', 'webgl', 'wasm', 'cpu'])('%s starts in the page and matches float64 references', (name) => {
    const r = reports.find((x) => x.requested === name)!;
    expect(r.error).toBeUndefined();
    expect(r.backend).toBe(name);
    expect(r.matMulErr).toBeLessThan(1e-4);
    expect(r.softmaxErr).toBeLessThan(1e-5);
    expect(r.logprobErr).toBeLessThan(1e-4);
    expect(r.gradErr).toBeLessThan(1e-5);
    expect(r.leaked).toBe(0);
  });

  it('auto does not pick a software WebGPU adapter (SwiftShader here), and says why', () => {
    const r = reports.find((x) => x.requested === 'auto')!;
    expect(r.error).toBeUndefined();
    expect(r.backend).not.toBe('webgpu');
    expect(r.reason).toMatch(/webgpu/i);
  });
});
