// Prints the markdown table of docs/results.md from the run folders that results.sh wrote.
//   node tools/default-model/results-table.mjs [out-dir]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2] ?? 'runs/results';
const SEEDS = [0, 1, 2];
const ROWS = [
  ['no training', 'default', (s) => s.eval.before],
  ['LSP-Zero (default recipe)', 'default', (s) => s.eval.after],
  ['LSP (self-reward: reference likelihood, w = 0.1)', 'results-lsp', (s) => s.eval.after],
  ['GRPO baseline (fixed 64-problem prompt set)', 'results-grpo', (s) => s.eval.after],
];

/** Mean and sample standard deviation (n − 1), formatted. */
function stat(xs, digits) {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1)) : 0;
  return `${m.toFixed(digits)} ± ${sd.toFixed(digits)}`;
}

const lines = [
  '| method | held-out accuracy (mean ± std, 3 seeds) | per seed (0, 1, 2) | gain over no training | steps | wall s | CPU s (user+sys) |',
  '|---|---|---|---|---|---|---|',
];
for (const [name, recipe, pick] of ROWS) {
  const runs = SEEDS.map((seed) => {
    const dir = join(out, `${recipe}-seed${seed}`);
    return { s: JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')), t: JSON.parse(readFileSync(`${dir}.time.json`, 'utf8')) };
  });
  const acc = runs.map((r) => pick(r.s));
  const gain = runs.map((r) => pick(r.s) - r.s.eval.before);
  const trained = name !== 'no training';
  lines.push(
    `| ${name} | ${stat(acc, 3)} | ${acc.map((a) => a.toFixed(3)).join(', ')} | ${trained ? stat(gain, 3) : '—'} | ${trained ? runs[0].s.steps : 0} | ${trained ? stat(runs.map((r) => r.s.seconds), 0) : '—'} | ${trained ? stat(runs.map((r) => r.t.userSeconds + r.t.systemSeconds), 0) : '—'} |`,
  );
}
console.log(lines.join('\n'));
