// Splits a held-out evaluation into the game's hard instances (the default game: problems with a
// carry) and the rest — the split of docs/results.md's tables.
//   node packages/cli/dist/bin.js eval --model runs/x/model --game arithmetic \
//     --options '{"digits":2,"ops":["+"]}' --size 200 --seed 1234 --max-new-tokens 28 --json \
//     | node tools/default-model/hard-split.mjs [--game arithmetic|sort]
// prints {"all": {...}, "hard": {...}, "easy": {...}} with accuracy, n and correct of each.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isHard, pretrainGame } from './game.mjs';

/**
 * Accuracy, n and correct of the rows, all and split into hard instances (those on which the
 * pretraining answers made the game's deliberate error: a dropped carry, a number written once) and
 * easy ones. `game` names a spec of game.mjs.
 */
export function hardSplit(rows, game = 'arithmetic') {
  const spec = pretrainGame(game);
  const part = (rs) => ({ accuracy: rs.length ? rs.filter((r) => r.correct).length / rs.length : Number.NaN, n: rs.length, correct: rs.filter((r) => r.correct).length });
  const hard = rows.map((r) => isHard(spec, r.query));
  return { all: part(rows), hard: part(rows.filter((_, i) => hard[i])), easy: part(rows.filter((_, i) => !hard[i])) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { game: { type: 'string', default: 'arithmetic' } } });
  const report = JSON.parse(readFileSync(0, 'utf8'));
  console.log(JSON.stringify(hardSplit(report.rows, values.game)));
}
