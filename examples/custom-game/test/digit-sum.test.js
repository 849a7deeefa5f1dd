// The game on its own, then a short training run that plays it from the recipe.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createGame } from '../digit-sum.js';

const here = fileURLToPath(new URL('..', import.meta.url));

test('reads numbers, rejects the rest, and checks answers exactly', () => {
  const game = createGame({ digits: 3 });
  assert.equal(game.parseQuery('[Start Generation]\n407\n[End Generation]'), '407');
  assert.match(game.parseQuery('[Start Generation]4 + 7[End Generation]').reason, /not a whole number/);
  assert.match(game.parseQuery('[Start Generation]1234[End Generation]').reason, /more than 3 digits/);
  assert.equal(game.verify('407', '4+0+7=11'), 1);
  assert.equal(game.verify('407', '12'), 0);
  const set = game.evalSet({ size: 50, seed: 7 }); // distinct, and the same for the same seed
  assert.deepEqual([new Set(set).size, game.evalSet({ size: 50, seed: 7 })], [50, set]);
  for (const n of set) assert.equal(game.verify(n, game.referenceAnswer(n)), 1);
  assert.throws(() => createGame({ digits: 0 }), /option digits must be an integer in 1..12/);
});

test('agon trains on it from recipe.json: the Solver plays its numbers, scored by its verifier', () => {
  const out = mkdtempSync(join(tmpdir(), 'digit-sum-'));
  try {
    execFileSync(join(here, 'node_modules', '.bin', 'agon'), ['train', '--config', 'recipe.json', '--steps', '2', '--out', out, '--overwrite'], { cwd: here, stdio: 'pipe' });
    const game = createGame();
    const rows = readFileSync(join(out, 'samples.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.role === 'solver');
    assert.ok(rows.length > 0);
    for (const row of rows) {
      assert.match(row.query, /^\d{1,3}$/);
      assert.equal(row.reward, game.verify(row.query, row.answer), `${row.query} → ${row.answer}`);
    }
    const { eval: heldOut } = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.deepEqual([typeof heldOut.before, typeof heldOut.after], ['number', 'number']); // on the game's evalSet
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
