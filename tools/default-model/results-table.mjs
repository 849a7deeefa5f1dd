// Prints the markdown tables of docs/results.md from the run folders that results.sh and
// long-runs.sh wrote.
//   node tools/default-model/results-table.mjs [out-dir]          # 20-step table (results.sh)
//   node tools/default-model/results-table.mjs --long [out-dir]   # 200-step table (long-runs.sh)
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { queryDiversity } from '@agon/objectives';
import { diagnose, parseTrainConfig } from '@agon/trainer';
import { carrySplit } from './carry-split.mjs';

const long = process.argv[2] === '--long';
const out = process.argv[long ? 3 : 2] ?? (long ? 'runs/long' : 'runs/results');
const json = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** Mean and sample standard deviation (n − 1), formatted. */
function stat(xs, digits = 3) {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1)) : 0;
  return `${m.toFixed(digits)} ± ${sd.toFixed(digits)}`;
}
const per = (xs) => xs.map((x) => x.toFixed(3)).join(', ');

if (!long) {
  const done = (recipe, seed) => existsSync(join(out, `${recipe}-seed${seed}`, 'summary.json')) && existsSync(join(out, `${recipe}-seed${seed}.eval.json`));
  const ROWS = [
    ['LSP-Zero (default recipe)', 'default'],
    ['LSP (self-reward: reference likelihood, w = 0.1)', 'results-lsp'],
    ['GRPO baseline, prompt set from the game (64 problems)', 'results-grpo'],
    ['GRPO baseline, carry-free prompt set (64 problems)', 'grpo-carry-free'],
  ];
  const none = carrySplit(json(join(out, 'no-training.eval.json')).rows);
  const lines = [
    `| method | held-out accuracy (mean ± std over seeds) | per seed | with carry (${none.carry.n}) | without carry (${none.noCarry.n}) | wall s | CPU s (user+sys) |`,
    '|---|---|---|---|---|---|---|',
    `| no training | ${none.all.accuracy.toFixed(3)} | — | ${none.carry.accuracy.toFixed(3)} | ${none.noCarry.accuracy.toFixed(3)} | — | — |`,
  ];
  for (const [name, recipe] of ROWS) {
    const seeds = [0, 1, 2].filter((seed) => done(recipe, seed));
    if (!seeds.length) continue;
    const runs = seeds.map((seed) => {
      const dir = join(out, `${recipe}-seed${seed}`);
      return { s: json(join(dir, 'summary.json')), t: json(`${dir}.time.json`), split: carrySplit(json(`${dir}.eval.json`).rows) };
    });
    for (const r of runs) {
      if (Math.abs(r.split.all.accuracy - r.s.eval.after) > 1e-9) throw new Error(`${recipe}: the re-evaluation (${r.split.all.accuracy}) differs from the run's own (${r.s.eval.after})`);
    }
    const acc = runs.map((r) => r.s.eval.after);
    lines.push(
      `| ${name} | ${stat(acc)} | ${per(acc)} (seeds ${seeds.join(', ')}) | ${stat(runs.map((r) => r.split.carry.accuracy))} | ${stat(runs.map((r) => r.split.noCarry.accuracy))} | ${stat(runs.map((r) => r.s.seconds), 0)} | ${stat(runs.map((r) => r.t.userSeconds + r.t.systemSeconds), 0)} |`,
    );
  }
  console.log(lines.join('\n'));
} else {
  const ROWS = [
    ['LSP-Zero, default recipe (β = 0.1, cosine)', 'default'],
    ['LSP-Zero, previous default (β = 0, constant lr)', 'old-default'],
    ['LSP, previous settings (β = 0, constant lr)', 'old-lsp'],
    ['GRPO baseline, previous settings (β = 0, constant lr)', 'old-grpo'],
    ['LSP-Zero, β = 0, Challenger frozen (α_Ch = 0)', 'old-alpha0'],
    ['LSP-Zero, β = 0.1, constant lr (no decay)', 'beta-only'],
    ['LSP-Zero, default recipe + repeat penalty (λ = 1, similarity 0.7)', 'default-repeat'],
  ];
  const lines = [
    '| method | seeds | accuracy at step 20 | best during the run | at step 200 | with carry at 200 | without carry at 200 | Solver KL, steps 181–200 | distinct queries, steps 181–200 | drop warnings (first step) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [name, method] of ROWS) {
    const seeds = [5, 0, 1, 2].filter((s) => existsSync(join(out, `${method}-seed${s}`, 'summary.json')));
    if (!seeds.length) continue;
    const runs = seeds.map((seed) => {
      const dir = join(out, `${method}-seed${seed}`);
      const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).metrics);
      const evals = lines.map((m) => m['eval/accuracy']).filter((a) => a != null);
      const tail = lines.slice(-20);
      const avg = (k) => { const xs = tail.map((m) => m[k]).filter((x) => x != null); return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN; };
      const s = json(join(dir, 'summary.json'));
      // Query diversity from samples.jsonl (runs older than the queries/distinct metric have it too).
      const samples = readFileSync(join(dir, 'samples.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.role === 'challenger' && r.step > 180);
      const bySteps = [...new Set(samples.map((r) => r.step))].map((st) => queryDiversity(samples.filter((r) => r.step === st).map((r) => r.query)).distinct);
      // The drop warnings replayed with today's default thresholds on the run's metrics (also for runs made before they existed).
      const t = parseTrainConfig({}).diagnostics;
      const history = lines.map((m) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v ?? Number.NaN])));
      const first = {};
      for (let i = 1; i <= history.length + 1; i++) {
        const h = i <= history.length ? history.slice(0, i) : [...history, { 'eval/accuracy': s.eval.after }];
        for (const d of diagnose(h, t, { accuracyBefore: s.eval.before })) if (!(d.kind in first) && d.kind.endsWith('-drop')) first[d.kind] = Math.min(i, history.length);
      }
      return {
        s,
        at20: lines[19]['eval/accuracy'],
        best: Math.max(...evals, s.eval.after),
        split: existsSync(`${dir}.eval.json`) ? carrySplit(json(`${dir}.eval.json`).rows) : null,
        kl: avg('solver/kl'),
        distinct: bySteps.length ? bySteps.reduce((a, b) => a + b, 0) / bySteps.length : Number.NaN,
        warned: Object.entries(first).map(([k, st]) => `${k} @${st}`).join(', ') || 'none',
      };
    });
    const f = (xs) => (xs.every((x) => Number.isFinite(x)) ? per(xs) : '—');
    lines.push(
      `| ${name} | ${seeds.join(', ')} | ${per(runs.map((r) => r.at20))} | ${per(runs.map((r) => r.best))} | **${per(runs.map((r) => r.s.eval.after))}** | ${runs.every((r) => r.split) ? per(runs.map((r) => r.split.carry.accuracy)) : '—'} | ${runs.every((r) => r.split) ? per(runs.map((r) => r.split.noCarry.accuracy)) : '—'} | ${f(runs.map((r) => r.kl))} | ${f(runs.map((r) => r.distinct))} | ${runs.map((r) => r.warned).join('; ')} |`,
    );
  }
  console.log(lines.join('\n'));
}
