// Splits a held-out evaluation of the default game into problems with and without a carry.
//   node packages/cli/dist/bin.js eval --model runs/x/model --game arithmetic \
//     --options '{"digits":2,"ops":["+"]}' --size 200 --seed 1234 --max-new-tokens 28 --json \
//     | node tools/default-model/carry-split.mjs
// prints {"all": {...}, "carry": {...}, "noCarry": {...}} with accuracy, n and correct of each.
import { readFileSync } from 'node:fs';

/**
 * Whether `a + b` needs a carry from the units into the tens: the hard instances of the default
 * model, whose pretraining answers dropped that carry (make-data.mjs `worked`). A tens column that
 * overflows into the hundreds needs no carry token in the worked answer and is not counted.
 */
export function needsCarry(query) {
  const m = /^(\d+) \+ (\d+)$/.exec(query.trim());
  if (!m) throw new Error(`carry-split: query "${query}" is not "a + b"`);
  return (Number(m[1]) % 10) + (Number(m[2]) % 10) >= 10;
}

/** Accuracy, n and correct of the rows, all and split by carry. */
export function carrySplit(rows) {
  const part = (rs) => ({ accuracy: rs.length ? rs.filter((r) => r.correct).length / rs.length : Number.NaN, n: rs.length, correct: rs.filter((r) => r.correct).length });
  return { all: part(rows), carry: part(rows.filter((r) => needsCarry(r.query))), noCarry: part(rows.filter((r) => !needsCarry(r.query))) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const report = JSON.parse(readFileSync(0, 'utf8'));
  console.log(JSON.stringify(carrySplit(report.rows)));
}
