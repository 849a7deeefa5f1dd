// Prints the closing line of a workspace test run from tmp/jest-summary.jsonl (see
// tools/jest-summary-reporter.cjs): "tests: N passed, N failed, N skipped".
import { existsSync, readFileSync } from 'node:fs';

const file = new URL('../tmp/jest-summary.jsonl', import.meta.url);
const rows = existsSync(file)
  ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
  : [];
const sum = (k) => rows.reduce((a, r) => a + r[k], 0);
console.log(`tests: ${sum('passed')} passed, ${sum('failed')} failed, ${sum('skipped')} skipped`);
if (rows.length === 0 || sum('passed') === 0) {
  console.error('test-summary: no jest run recorded any passing test');
  process.exitCode = 1;
}
