// @agon/tensor in a real browser tab: headless Chromium with WebGPU (SwiftShader on a machine
// without a GPU) and WebGL. The page selects each backend through initBackend and checks values
// and a gradient against float64 JavaScript (tools/browser/checks.ts).
// The page is served and opened by tools/browser/harness.ts.
import path from 'node:path';
import type { BackendReport } from '../browser/checks.js';
import { browserSuite, openPage, root, type BrowserPage } from '../browser/harness.js';

browserSuite('@agon/tensor in headless Chromium', () => {
  let tab: BrowserPage;
  let reports: BackendReport[];

  beforeAll(async () => {
    tab = await openPage(path.join(root, 'tools/browser/checks.ts'), {
      // Node-only branches of @agon/tensor (Dawn, the Node tfjs bundle) are never reached in a page.
      external: ['webgpu', '@tensorflow/tfjs'],
      alias: { '@agon/tensor': path.join(root, 'packages/tensor/src/index.ts'), '@agon/core': path.join(root, 'packages/core/src/index.ts') },
    });
    await tab.page.waitForFunction(() => 'agonChecks' in globalThis);
    reports = await tab.page.evaluate(
      ([wasm]) => (globalThis as unknown as { agonChecks: (b: string[], w: string) => Promise<BackendReport[]> }).agonChecks(['webgpu', 'webgl', 'wasm', 'cpu', 'auto'], wasm),
      [tab.wasmUrl],
    );
  }, 180_000);

  afterAll(async () => {
    await tab?.close();
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
