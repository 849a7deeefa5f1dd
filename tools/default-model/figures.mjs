// Draws the figures of docs/results.md from run folders <runs-dir>/<method>-seed<s>: curves per
// method, each the mean over its seeds (per-step metrics smoothed over 10 steps).
//
//   node tools/default-model/figures.mjs [--prefix long] <runs-dir> <out-dir> <method>=<label> ...
//
// Writes <out-dir>/<prefix>-accuracy.svg, -difficulty.svg, -diversity.svg, -near-duplicates.svg and
// -kl.svg (prefix
// "long" unless given: the default game's figures; "sort-long" for the sort game's).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { queryDiversity, repeatPenalty } from '@agon/objectives';
import { svgLineChart } from '@agon/trainer';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { prefix: { type: 'string', default: 'long' } } });
const [runsDir, outDir, ...pairs] = positionals;
if (!runsDir || !outDir || pairs.length === 0) {
  console.error('usage: node tools/default-model/figures.mjs [--prefix long] <runs-dir> <out-dir> <method>=<label> ...');
  process.exit(2);
}
const methods = pairs.map((p) => {
  const [dir, label] = p.split('=');
  return { dir, label: label ?? dir };
});

/** Every seed's run of a method: its metrics lines and summary. */
function runsOf(method) {
  const dirs = readdirSync(runsDir).filter((d) => d.startsWith(`${method}-seed`) && existsSync(join(runsDir, d, 'summary.json')));
  if (!dirs.length) throw new Error(`${runsDir}: no finished run ${method}-seed<s> (summary.json missing)`);
  return dirs.map((d) => {
    const lines = readFileSync(join(runsDir, d, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    // Query diversity from samples.jsonl, so runs older than the queries/distinct metric have it too.
    const ch = readFileSync(join(runsDir, d, 'samples.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.role === 'challenger');
    for (const l of lines) {
      const qs = ch.filter((r) => r.step === l.step).map((r) => r.query);
      if (qs.length) l.metrics['queries/distinct'] = queryDiversity(qs).distinct;
      // The repeat penalty's own near-duplicate measure (mean over the queries, before its weight).
      if (qs.length) l.metrics['queries/nearDuplicates'] = mean(repeatPenalty(qs, { similarity: 0.7 }));
    }
    return { summary: JSON.parse(readFileSync(join(runsDir, d, 'summary.json'), 'utf8')), lines };
  });
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Held-out accuracy at step 0 (before), at every evaluation, and at the end (after): mean over seeds. */
function accuracyCurve(runs) {
  const at = new Map();
  for (const r of runs) {
    const pts = [[0, r.summary.eval.before], ...r.lines.filter((l) => l.metrics['eval/accuracy'] != null).map((l) => [l.step, l.metrics['eval/accuracy']]), [r.summary.steps, r.summary.eval.after]];
    for (const [x, y] of pts) at.set(x, [...(at.get(x) ?? []), y]);
  }
  return [...at.entries()].filter(([, ys]) => ys.length === runs.length).sort((a, b) => a[0] - b[0]).map(([x, ys]) => [x, mean(ys)]);
}

/** A per-step metric averaged over seeds, then over windows of 10 steps (plotted at the window's end). */
function metricCurve(runs, key, window = 10) {
  const steps = Math.min(...runs.map((r) => r.lines.length));
  const out = [];
  for (let end = window; end <= steps; end += window) {
    const xs = runs.flatMap((r) => r.lines.slice(end - window, end).map((l) => l.metrics[key]).filter((v) => typeof v === 'number'));
    if (xs.length) out.push([end, mean(xs)]);
  }
  return out;
}

function write(name, svg) {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, name);
  writeFileSync(`${file}.tmp`, `${svg}\n`);
  renameSync(`${file}.tmp`, file);
  console.log(`wrote ${file}`);
}

const data = methods.map((m) => {
  const runs = runsOf(m.dir);
  return { ...m, label: `${m.label} (${runs.length} seed${runs.length > 1 ? 's' : ''})`, runs };
});
const size = { width: 680, height: 300 };
write(`${values.prefix}-accuracy.svg`, svgLineChart(data.map((d) => ({ name: d.label, points: accuracyCurve(d.runs) })), { ...size, title: 'Held-out accuracy (mean over seeds)', yRange: [0, 1] }));
const perStep = [
  [`${values.prefix}-difficulty.svg`, 'challenger/difficulty', 'Query difficulty: fraction of Solver answers wrong (10-step mean)', [0, 1]],
  [`${values.prefix}-diversity.svg`, 'queries/distinct', 'Query diversity: distinct queries / queries (10-step mean)', [0, 1]],
  [`${values.prefix}-near-duplicates.svg`, 'queries/nearDuplicates', 'Near-duplicate queries: mean (|C| − 1)/(N − 1), clusters at similarity 0.7 (10-step mean)', [0, 1]],
  [`${values.prefix}-kl.svg`, 'solver/kl', 'Solver KL to the initial model, nats per token (10-step mean)', undefined],
];
for (const [file, key, title, yRange] of perStep) {
  const series = data.map((d) => ({ name: d.label, points: metricCurve(d.runs, key) })).filter((s) => s.points.length);
  write(file, svgLineChart(series, { ...size, title, ...(yRange ? { yRange } : {}) }));
}
