// The game viewer in headless Chromium, fed samples.jsonl rows as the trainer writes them: an invalid
// Challenger query is marked with the reason the real arithmetic game's parser gives, a repeated
// query lists its answers once under its first copy, verdicts follow the rewards, the step can be
// pinned and the search reaches every step.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SampleRow } from '@agon/core';
import { isInvalid } from '@agon/core';
import { arithmeticGame } from '@agon/game';
import { agonBrowserSources, browserSuite, openPage, type BrowserPage } from '../../../tools/browser/harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** One step's rows: the Challenger's queries (parsed by the real game) and the Solver's answers to the valid ones. */
function stepRows(step: number, queries: string[], answers: Record<string, [string, number][]>): SampleRow[] {
  const game = arithmeticGame({ digits: 2, ops: ['+'] });
  const rows: SampleRow[] = [];
  for (const query of queries) {
    const q = game.parseQuery(query);
    rows.push({ step, role: 'challenger', query, answer: '', reward: isInvalid(q) ? 0 : 0.5, advantage: isInvalid(q) ? -1 : 0.25, valid: !isInvalid(q), ...(isInvalid(q) ? { reason: q.reason } : {}) });
  }
  for (const [query, list] of Object.entries(answers)) {
    for (const [answer, reward] of list) rows.push({ step, role: 'solver', query, answer, reward, advantage: reward - 0.5, finish: 'stop' });
  }
  return rows;
}

browserSuite('the game viewer in headless Chromium', () => {
  let page: BrowserPage;
  const invalidReason = (() => {
    const q = arithmeticGame({ digits: 2, ops: ['+'] }).parseQuery('a story about a cat');
    if (!isInvalid(q)) throw new Error('the arithmetic game accepted prose');
    return q.reason;
  })();

  beforeAll(async () => {
    page = await openPage(path.join(here, 'viewer-page.ts'), { plugins: [agonBrowserSources] });
    const rows = [
      ...stepRows(1, ['12 + 34', 'a story about a cat'], { '12 + 34': [['2+4=6, 1+3=4, 46', 1], ['2+4=6, 1+3=5, 56', 0]] }),
      ...stepRows(2, ['58 + 67', '58 + 67'], { '58 + 67': [['8+7=15, 5+6+1=12, 125', 1], ['8+7=15, 5+6=11, 115', 0]] }),
    ];
    await page.page.evaluate((r) => (globalThis as unknown as { viewer: { add(rows: unknown[]): void } }).viewer.add(r), rows);
  }, 120_000);

  afterAll(async () => {
    await page?.close();
  });

  const groups = () =>
    page.page.locator('.viewer-list .group').evaluateAll((gs) =>
      gs.map((g) => ({
        invalid: g.classList.contains('invalid'),
        head: g.querySelector('.query')?.textContent ?? '',
        rows: [...g.querySelectorAll('tr')].slice(1).map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
      })),
    );

  it('follows the latest step and lists a repeated query’s answers under its first copy', async () => {
    const g = await groups();
    expect(g).toHaveLength(2);
    expect(g[0]?.head).toMatch(/^query 58 \+ 67 Challenger reward 0\.5, advantage 0\.25$/);
    expect(g[0]?.rows).toEqual([
      ['8+7=15, 5+6+1=12, 125', '1', '0.5', 'correct'],
      ['8+7=15, 5+6=11, 115', '0', '-0.5', 'wrong'],
    ]);
    expect(g[1]?.rows).toEqual([]);
    expect(await page.page.locator('.viewer-bar .meta').textContent()).toBe('2 queries, 0 invalid');
  });

  it('marks an invalid query with the game parser’s reason when the step is pinned', async () => {
    await page.page.locator('.viewer-step').selectOption('1');
    expect(await page.page.locator('.viewer-follow').isChecked()).toBe(false);
    const g = await groups();
    expect(g.map((x) => x.invalid)).toEqual([false, true]);
    expect(g[1]?.head).toBe(`invalid query a story about a cat Challenger reward 0, advantage -1 — ${invalidReason}`);
    expect(await page.page.locator('.viewer-bar .meta').textContent()).toBe('2 queries, 1 invalid');
  });

  it('searches answers across every step', async () => {
    await page.page.locator('.viewer-search').fill('5+6');
    const g = await groups();
    expect(g.map((x) => x.head)).toEqual(['step 2 · query 58 + 67 Challenger reward 0.5, advantage 0.25']);
    expect(await page.page.locator('.viewer-bar .meta').textContent()).toBe('1 query match in 2 steps');
    await page.page.locator('.viewer-search').fill('');
    await page.page.locator('.viewer-follow').check();
    expect((await groups())[0]?.head).toMatch(/^query 58 \+ 67/);
  });
});
