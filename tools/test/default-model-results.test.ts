// The scripts behind docs/results.md, on real inputs: the hard/easy split of the default game's and
// the sort game's held-out sets and the recipe variants of the long runs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { arithmeticGame, sortGame } from '@agon/game';
import { parseTrainConfig } from '@agon/trainer';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const script = (name: string) => path.join(root, 'default-model', name);

it('hard-split counts the 95 units-carry problems of the default held-out set as hard and splits the accuracy', () => {
  const game = arithmeticGame({ digits: 2, ops: ['+'] });
  const set = game.evalSet({ size: 200, seed: 1234 });
  // Right on even positions only, so both parts get a known, different accuracy.
  const rows = set.map((q, i) => ({ query: game.formatQuery(q), answer: '', correct: i % 2 === 0, finishReason: 'stop' }));
  const carries = set.map((q) => (Number(q.a) % 10) + (Number(q.b) % 10) >= 10);
  const expected = (want: boolean) => {
    const idx = carries.flatMap((c, i) => (c === want ? [i] : []));
    return { n: idx.length, correct: idx.filter((i) => i % 2 === 0).length };
  };
  const out = JSON.parse(execFileSync('node', [script('hard-split.mjs')], { input: JSON.stringify({ rows }), encoding: 'utf8' }));
  expect(out.hard.n).toBe(95);
  expect(out.easy.n).toBe(105);
  for (const [part, want] of [['hard', true], ['easy', false]] as const) {
    const e = expected(want);
    expect(out[part]).toEqual({ accuracy: e.correct / e.n, n: e.n, correct: e.correct });
  }
  expect(out.all).toEqual({ accuracy: 0.5, n: 200, correct: 100 });
  expect(() => execFileSync('node', [script('hard-split.mjs')], { input: JSON.stringify({ rows: [{ query: '3 * 4', correct: true }] }), stdio: 'pipe' })).toThrow(/query "3 \* 4" is not a query of the arithmetic game: /);
});

it('hard-split --game sort counts the lists with a repeated number as hard', () => {
  const game = sortGame({ length: 5, maxValue: 9 });
  const set = game.evalSet({ size: 200, seed: 1234 });
  const rows = set.map((xs, i) => ({ query: game.formatQuery(xs), answer: '', correct: i % 3 === 0, finishReason: 'stop' }));
  const repeats = set.map((xs) => new Set(xs).size < xs.length);
  const out = JSON.parse(execFileSync('node', [script('hard-split.mjs'), '--game', 'sort'], { input: JSON.stringify({ rows }), encoding: 'utf8' }));
  const n = repeats.filter(Boolean).length;
  expect(n).toBeGreaterThan(40);
  expect(out.hard).toEqual({ accuracy: repeats.filter((r, i) => r && i % 3 === 0).length / n, n, correct: repeats.filter((r, i) => r && i % 3 === 0).length });
  expect(out.easy.n).toBe(200 - n);
  expect(() => execFileSync('node', [script('hard-split.mjs'), '--game', 'reverse'], { input: JSON.stringify({ rows }), stdio: 'pipe' })).toThrow(/no pretraining spec for game "reverse"; expected one of arithmetic, sort/);
});

it('recipe-variant writes the recipe with only the given fields changed, and the trainer accepts it', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'agon-variant-'));
  try {
    const to = path.join(dir, 'previous.json');
    const recipe = path.join(root, '..', 'recipes', 'default.json');
    execFileSync('node', [script('recipe-variant.mjs'), recipe, '{"loss":{"beta":0},"optimizer":{"schedule":"constant"}}', to]);
    const before = parseTrainConfig(JSON.parse(readFileSync(recipe, 'utf8')));
    const after = parseTrainConfig(JSON.parse(readFileSync(to, 'utf8')));
    expect(after.loss).toEqual({ ...before.loss, beta: 0 });
    expect(after.optimizer).toEqual({ ...before.optimizer, schedule: 'constant' });
    expect({ ...after, loss: before.loss, optimizer: before.optimizer, $comment: before.$comment }).toEqual(before);
    expect(after.$comment).toContain('with {"loss":{"beta":0}');
    expect(() => execFileSync('node', [script('recipe-variant.mjs'), recipe, '{not json', to], { stdio: 'pipe' })).toThrow(/the override is not JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
