// The gpujs backend in a real browser tab: headless Chromium with WebGL2 (SwiftShader's GL on a
// machine without a GPU). The page starts it through initBackend in gpu.js mode 'webgl2' and
// checks values and a gradient against float64 JavaScript (test/browser/page.ts).
// Without Chromium the suite is skipped with a printed reason; under CI it must run.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type Browser } from 'playwright-core';
import type { PageReport } from './browser/page.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const CHROMIUM = process.env.AGON_CHROMIUM ?? '/usr/bin/chromium';
const missing = existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set AGON_CHROMIUM)`;
if (missing && !process.env.CI) console.warn(`skipping gpujs browser tests: ${missing}`);
const suite = missing && !process.env.CI ? describe.skip : describe;

suite('gpujs backend in headless Chromium (WebGL2)', () => {
  let server: http.Server;
  let browser: Browser;
  let report: PageReport;

  beforeAll(async () => {
    if (missing) throw new Error(`browser tests are required under CI: ${missing}`);
    const bundle = await build({
      entryPoints: [path.join(here, 'browser/page.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
      // Node-only branches of @agon/tensor (Dawn, the Node tfjs bundle) are never reached in a page.
      external: ['webgpu', '@tensorflow/tfjs'],
      alias: {
        '@agon/backend-gpujs': path.join(root, 'packages/backend-gpujs/src/index.ts'),
        '@agon/tensor': path.join(root, 'packages/tensor/src/index.ts'),
        '@agon/core': path.join(root, 'packages/core/src/index.ts'),
      },
    });
    const js = bundle.outputFiles[0].text;
    server = http.createServer((req, res) => {
      if (req.url === '/') {
        res.setHeader('content-type', 'text/html');
        res.end('<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>');
      } else if (req.url === '/page.js') {
        res.setHeader('content-type', 'text/javascript');
        res.end(js);
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = (server.address() as AddressInfo).port;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => 'gpujsChecks' in globalThis);
    report = await page.evaluate(() => (globalThis as unknown as { gpujsChecks: (m: string) => Promise<PageReport> }).gpujsChecks('webgl2'));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((ok) => (server ? server.close(ok) : ok(undefined)));
  });

  it("starts in gpu.js mode 'webgl2' and says so", () => {
    console.log(`gpujs in Chromium: ${report.reason}; max errors ${JSON.stringify(report.errors)}`);
    expect(report.error).toBeUndefined();
    expect(report.backend).toBe('gpujs');
    expect(report.mode).toBe('webgl2');
    expect(report.reason).toContain("gpu.js mode 'webgl2'");
  });

  it('matMul (1 and 4 columns per thread), softmax, sum and a gradient match float64; kernels ran on WebGL; no leaks', () => {
    expect(report.error).toBeUndefined();
    const e = report.errors!;
    expect(e['matMul N=6']).toBeLessThan(1e-4);
    expect(e['matMul N=8']).toBeLessThan(1e-4);
    expect(e.softmax).toBeLessThan(1e-5);
    expect(e.sum).toBeLessThan(1e-5);
    expect(e.gradient).toBeLessThan(1e-5);
    expect(report.gpuRuns).toBeGreaterThan(5);
    expect(report.leaked).toBe(0);
  });
});
