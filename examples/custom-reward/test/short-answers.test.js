// The reward on its own, then a short training run that uses it from the recipe.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { arithmeticGame } from '@agon/game';
import { createReward } from '../short-answers.js';

const here = fileURLToPath(new URL('..', import.meta.url));

test('a short right answer beats a long right one, and both beat a wrong one', async () => {
  const query = { a: '48', op: '+', b: '35' };
  const answers = ['83', '8+5=13, 4+3+1=8, 83', '82'];
  const scores = await createReward()(answers.map((answer, i) => ({ query, answer, queryIndex: 0, answerIndex: i })));
  assert.deepEqual(scores, [1 - 0.5 * 2 / 28, 1 - 0.5 * 19 / 28, 0]);
  assert.throws(() => createReward({ maxChars: 0 }), /option maxChars must be a positive integer/);
});

test('agon trains with it from recipe.json: every Solver reward is the module\'s', async () => {
  const out = mkdtempSync(join(tmpdir(), 'short-answers-'));
  try {
    const agon = join(here, 'node_modules', '.bin', 'agon');
    execFileSync(agon, ['train', '--config', 'recipe.json', '--steps', '2', '--out', out, '--overwrite'], { cwd: here, stdio: 'pipe' });
    const game = arithmeticGame();
    const reward = createReward({ maxChars: 28 });
    const rows = readFileSync(join(out, 'samples.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.role === 'solver');
    assert.ok(rows.length > 0);
    for (const row of rows) {
      const [expected] = await reward([{ query: game.parseQuery(row.query), answer: row.answer, queryIndex: 0, answerIndex: 0 }]);
      assert.equal(row.reward, expected, `${row.query} → ${row.answer}`);
    }
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    assert.equal(config.rewards[0].module, join(here, 'short-answers.js'));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
