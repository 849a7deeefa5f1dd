// The trainer's browser run IO in headless Chromium: the same RunIO contract as nodeRunIO on the
// origin-private file system (OPFS) and in memory, and an OPFS run folder that outlives a reload.
import path from 'node:path';
import type { ContractResult } from '../browser/run-io-page.js';
import { runIOContract } from '@agon/trainer/testing';
import { agonBrowserSources, browserSuite, openPage, root, type BrowserPage } from '../browser/harness.js';

type Api = { agonRunIO: { runContract(): Promise<ContractResult[]>; persist(dir: string, write: string | null): Promise<string | null> } };

browserSuite('the trainer’s RunIO in headless Chromium', () => {
  let tab: BrowserPage;
  let results: ContractResult[];

  beforeAll(async () => {
    tab = await openPage(path.join(root, 'tools/browser/run-io-page.ts'), {
      plugins: [agonBrowserSources],
      // The page uses only the run IO; the rest of the trainer (whose models still reach Node's
      // modules) is tree-shaken away.
      external: ['node:*', 'webgpu', '@tensorflow/tfjs'],
    });
    await tab.page.waitForFunction(() => 'agonRunIO' in globalThis);
    results = await tab.page.evaluate(() => (globalThis as unknown as Api).agonRunIO.runContract());
  }, 120_000);

  afterAll(async () => {
    await tab?.close();
  });

  it.each(['opfsRunIO', 'memoryRunIO'])('%s passes every check of the RunIO contract', (impl) => {
    const mine = results.filter((r) => r.impl === impl);
    expect(mine.map((r) => r.check)).toEqual(runIOContract.map(([name]) => name));
    expect(mine.filter((r) => r.error)).toEqual([]);
  });

  it('an OPFS run folder is still there after the page reloads', async () => {
    const state = '{"step":1}\n';
    expect(await tab.page.evaluate(([s]) => (globalThis as unknown as Api).agonRunIO.persist('runs/reload', s), [state])).toBe(state);
    await tab.page.reload();
    await tab.page.waitForFunction(() => 'agonRunIO' in globalThis);
    expect(await tab.page.evaluate(() => (globalThis as unknown as Api).agonRunIO.persist('runs/reload', null))).toBe(state);
  });
});
