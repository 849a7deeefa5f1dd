// Prints the markdown tables of docs/results.md from the run folders that results.sh and
// long-runs.sh wrote, for a game of game.mjs (default: arithmetic, the default model's).
//   node tools/default-model/results-table.mjs [--game G] [out-dir]          # 20-step table (results.sh)
//   node tools/default-model/results-table.mjs --long [--game G] [out-dir]   # 200-step tables (long-runs.sh)
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { queryDiversity, repeatPenalty } from '@agon/objectives';
import { diagnose, parseTrainConfig } from '@agon/trainer';
import { hardSplit } from './hard-split.mjs';
import { isHard, pretrainGame } from './game.mjs';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { long: { type: 'boolean', default: false }, game: { type: 'string', default: 'arithmetic' } } });
const { long } = values;
const spec = pretrainGame(values.game);
const out = positionals[0] ?? (long ? 'runs/long' : 'runs/results');
const json = (file) => JSON.parse(readFileSync(file, 'utf8'));
const jsonl = (file) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const split = (file) => hardSplit(json(file).rows, spec.name);

/** Mean and sample standard deviation (n − 1), formatted. */
function stat(xs, digits = 3) {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1)) : 0;
  return `${m.toFixed(digits)} ± ${sd.toFixed(digits)}`;
}
const per = (xs) => xs.map((x) => x.toFixed(3)).join(', ');
const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);
const name = (recipe) => basename(recipe, '.json');

if (!long) {
  const done = (run, seed) => existsSync(join(out, `${run}-seed${seed}`, 'summary.json')) && existsSync(join(out, `${run}-seed${seed}.eval.json`));
  const ROWS = [
    ['LSP-Zero', name(spec.recipes.lspZero)],
    ['LSP (self-reward: reference likelihood, w = 0.1)', name(spec.recipes.lsp)],
    ['GRPO baseline, prompt set from the game (64 problems)', name(spec.recipes.grpo)],
    [`GRPO baseline, prompt set without the hard cases (64 problems, ${spec.easyLabel})`, 'grpo-easy'],
  ];
  const none = split(join(out, 'no-training.eval.json'));
  const lines = [
    `| method | held-out accuracy (mean ± std over seeds) | per seed | ${spec.hardLabel} (${none.hard.n}) | ${spec.easyLabel} (${none.easy.n}) | wall s | CPU s (user+sys) |`,
    '|---|---|---|---|---|---|---|',
    `| no training | ${none.all.accuracy.toFixed(3)} | — | ${none.hard.accuracy.toFixed(3)} | ${none.easy.accuracy.toFixed(3)} | — | — |`,
  ];
  for (const [label, run] of ROWS) {
    const seeds = [0, 1, 2].filter((seed) => done(run, seed));
    if (!seeds.length) continue;
    const runs = seeds.map((seed) => {
      const dir = join(out, `${run}-seed${seed}`);
      return { s: json(join(dir, 'summary.json')), t: json(`${dir}.time.json`), split: split(`${dir}.eval.json`) };
    });
    for (const r of runs) {
      if (Math.abs(r.split.all.accuracy - r.s.eval.after) > 1e-9) throw new Error(`${run}: the re-evaluation (${r.split.all.accuracy}) differs from the run's own (${r.s.eval.after})`);
    }
    const acc = runs.map((r) => r.s.eval.after);
    lines.push(
      `| ${label} | ${stat(acc)} | ${per(acc)} (seeds ${seeds.join(', ')}) | ${stat(runs.map((r) => r.split.hard.accuracy))} | ${stat(runs.map((r) => r.split.easy.accuracy))} | ${stat(runs.map((r) => r.s.seconds), 0)} | ${stat(runs.map((r) => r.t.userSeconds + r.t.systemSeconds), 0)} |`,
    );
  }
  console.log(lines.join('\n'));
} else {
  const ROWS = [
    ['LSP-Zero, default recipe (β = 0.1, cosine)', 'default'],
    ['LSP, default settings (β = 0.1, cosine)', 'lsp'],
    ['GRPO baseline, default settings (β = 0.1, cosine)', 'grpo'],
    ['LSP-Zero, default recipe + repeat penalty (λ = 1, similarity 0.7)', 'default-repeat'],
    ['LSP-Zero, previous default (β = 0, constant lr)', 'old-default'],
    ['LSP, previous settings (β = 0, constant lr)', 'old-lsp'],
    ['GRPO baseline, previous settings (β = 0, constant lr)', 'old-grpo'],
    ['LSP-Zero, β = 0, Challenger frozen (α_Ch = 0)', 'old-alpha0'],
    ['LSP-Zero, β = 0.1, constant lr (no decay)', 'beta-only'],
  ];
  const main = [
    `| method | seeds | accuracy at step 20 | best during the run | at step 200 | ${spec.hardLabel} at 200 | ${spec.easyLabel} at 200 | Solver KL, steps 181–200 | distinct queries, steps 181–200 | drop warnings (first step) |`,
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  const curve = ['| method | seeds | 0 | 20 | 40 | 60 | 80 | 100 | 120 | 140 | 160 | 180 | 200 |', '|---|---|---|---|---|---|---|---|---|---|---|---|---|'];
  const diag = [
    `| method | Challenger difficulty | invalid queries | ${spec.hard} share of queries | distinct queries | top query share | near-duplicates (similarity 0.7) | Solver KL | Challenger KL | Solver entropy | Challenger entropy |`,
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  const f3 = (x) => (Number.isFinite(x) ? x.toFixed(3) : '—');
  for (const [label, method] of ROWS) {
    const seeds = [5, 0, 1, 2].filter((s) => existsSync(join(out, `${method}-seed${s}`, 'summary.json')));
    if (!seeds.length) continue;
    const runs = seeds.map((seed) => {
      const dir = join(out, `${method}-seed${seed}`);
      const lines = jsonl(join(dir, 'metrics.jsonl')).map((l) => l.metrics);
      const evals = lines.map((m) => m['eval/accuracy']).filter((a) => a != null);
      const tail = lines.slice(-20);
      const avg = (k) => mean(tail.map((m) => m[k]).filter((x) => typeof x === 'number'));
      const s = json(join(dir, 'summary.json'));
      // Query diversity and the hard share from samples.jsonl (runs older than the queries/* metrics have them too).
      const samples = jsonl(join(dir, 'samples.jsonl')).filter((r) => r.role === 'challenger' && r.step > 180);
      const steps = [...new Set(samples.map((r) => r.step))];
      const div = steps.map((st) => queryDiversity(samples.filter((r) => r.step === st).map((r) => r.query)));
      // The repeat penalty's own measure (before its weight), for every run: mean (|C| − 1)/(N − 1)
      // over the queries, C a query's cluster of near-duplicates at similarity 0.7.
      const near = steps.flatMap((st) => repeatPenalty(samples.filter((r) => r.step === st).map((r) => r.query), { similarity: 0.7 }));
      const valid = samples.filter((r) => r.valid !== false);
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
        evalAt: new Map([[0, s.eval.before], ...lines.flatMap((m, i) => (m['eval/accuracy'] != null ? [[i + 1, m['eval/accuracy']]] : [])), [s.steps, s.eval.after]]),
        at20: lines[19]['eval/accuracy'],
        best: Math.max(...evals, s.eval.after),
        split: existsSync(`${dir}.eval.json`) ? split(`${dir}.eval.json`) : null,
        kl: avg('solver/kl'),
        distinct: div.length ? mean(div.map((d) => d.distinct)) : Number.NaN,
        top: div.length ? mean(div.map((d) => d.topShare)) : Number.NaN,
        near: mean(near),
        hardShare: valid.length ? valid.filter((r) => isHard(spec, r.query)).length / valid.length : Number.NaN,
        diag: ['challenger/difficulty', 'invalidQueryFraction', 'solver/kl', 'challenger/kl', 'solver/entropy', 'challenger/entropy'].map(avg),
        warned: Object.entries(first).map(([k, st]) => `${k} @${st}`).join(', ') || 'none',
      };
    });
    const f = (xs) => (xs.every((x) => Number.isFinite(x)) ? per(xs) : '—');
    main.push(
      `| ${label} | ${seeds.join(', ')} | ${per(runs.map((r) => r.at20))} | ${per(runs.map((r) => r.best))} | **${per(runs.map((r) => r.s.eval.after))}** | ${runs.every((r) => r.split) ? per(runs.map((r) => r.split.hard.accuracy)) : '—'} | ${runs.every((r) => r.split) ? per(runs.map((r) => r.split.easy.accuracy)) : '—'} | ${f(runs.map((r) => r.kl))} | ${f(runs.map((r) => r.distinct))} | ${runs.map((r) => r.warned).join('; ')} |`,
    );
    const at = (step) => runs.map((r) => r.evalAt.get(step));
    curve.push(`| ${label} | ${seeds.join(', ')} | ${[0, 20, 40, 60, 80, 100, 120, 140, 160, 180, 200].map((st) => (at(st).every((x) => x != null) ? mean(at(st)).toFixed(3) : '—')).join(' | ')} |`);
    const m = (k) => f3(mean(runs.map(k).filter(Number.isFinite)));
    const [difficulty, invalid, solverKl, chKl, solverEnt, chEnt] = [0, 1, 2, 3, 4, 5].map((i) => m((r) => r.diag[i]));
    diag.push(`| ${label} | ${difficulty} | ${invalid} | ${m((r) => r.hardShare)} | ${m((r) => r.distinct)} | ${m((r) => r.top)} | ${m((r) => r.near)} | ${solverKl} | ${chKl} | ${solverEnt} | ${chEnt} |`);
  }
  console.log(main.join('\n'));
  console.log('\nHeld-out accuracy every 20 steps (mean over the seeds):\n');
  console.log(curve.join('\n'));
  console.log('\nDiagnostics over steps 181–200 (mean over the seeds; KL and entropy in nats per token):\n');
  console.log(diag.join('\n'));
}
