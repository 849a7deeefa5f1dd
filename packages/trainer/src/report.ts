/**
 * report.html: the run's curves as inline SVG in one self-contained file (no script, no CDN, no
 * server), so it opens from disk anywhere, including in a CI artifact viewer.
 */
import type { RunIO } from './io/run-io.js';
import type { SampleRow } from '@agon/core';
import { esc, renderGame } from './report-game.js';
import { readMetrics, readSamples, type MetricsLine } from './run-folder.js';

/**
 * One curve of {@link svgLineChart}: a name and (step, value) points; missing values are gaps.
 *
 * @example
 * ```ts
 * const s: Series = { name: 'accuracy', points: [[0, 0.52], [20, 0.87]] };
 * ```
 */
export interface Series {
  name: string;
  points: [number, number][];
}

/**
 * Options of {@link svgLineChart}.
 *
 * @example
 * ```ts
 * const o: ChartOptions = { width: 640, height: 300, title: 'held-out accuracy', xLabel: 'step' };
 * ```
 */
export interface ChartOptions {
  /** Pixels. Default 460 × 230. */
  width?: number;
  height?: number;
  /** Drawn above the plot inside the SVG (for a standalone file). Default: none. */
  title?: string;
  /** Label of the x axis. Default `step`. */
  xLabel?: string;
  /** Fixed y range; default: the data's. */
  yRange?: [number, number];
  /** Shown when there is no point at all. Default `no data in this run`. */
  empty?: string;
  /** The chart's accessible name (aria-label) when it has data. Default: `title`. */
  label?: string;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];

function tick(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1000 || a < 0.01 ? x.toExponential(1) : Number(x.toPrecision(3)).toString();
}

/**
 * A self-contained SVG line chart of `series` (no script, no fonts to fetch; each point drawn, so
 * one-point curves still show). Used by report.html and by the figure scripts in tools/.
 *
 * @example
 * ```ts
 * const svg = svgLineChart([{ name: 'LSP-Zero', points: [[0, 0.52], [20, 0.87]] }], { title: 'held-out accuracy' });
 * ```
 */
export function svgLineChart(series: readonly Series[], options: ChartOptions = {}): string {
  const W = options.width ?? 460;
  const H = options.height ?? 230;
  const L = 56;
  const R = 12;
  const head = options.title ? 20 : 0;
  // Legend entries flow left to right and wrap (about 6.5 px per character at font size 11).
  const legend: { x: number; row: number }[] = [];
  let lx = 0;
  let row = 0;
  for (const s of series) {
    const w = 24 + Math.ceil(s.name.length * 6.5);
    if (lx > 0 && L + 6 + lx + w > W - R) [lx, row] = [0, row + 1];
    legend.push({ x: L + 6 + lx, row });
    lx += Math.max(w, 90);
  }
  const T = 28 + head + 15 * row;
  const B = 36;
  const svg = (label?: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img"${label ? ` aria-label="${esc(label)}"` : ''}>`;
  const title = options.title ? `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13" font-weight="600">${esc(options.title)}</text>` : '';
  const pts = series.flatMap((s) => s.points);
  if (!pts.length) {
    return `${svg()}${title}<text x="${W / 2}" y="${H / 2}" text-anchor="middle" font-size="12" fill="#888">${esc(options.empty ?? 'no data in this run')}</text></svg>`;
  }
  let [x0, x1] = [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))];
  let [y0, y1] = options.yRange ?? [Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1]))];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1) [y0, y1] = [y0 - (Math.abs(y0) || 1) * 0.5, y1 + (Math.abs(y1) || 1) * 0.5];
  const sx = (x: number) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y: number) => H - B - ((y - y0) / (y1 - y0)) * (H - T - B);
  const parts: string[] = [title, `<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="#fafafa" stroke="#ccc"/>`];
  for (let k = 0; k <= 4; k++) {
    const y = y0 + ((y1 - y0) * k) / 4;
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${sy(y)}" y2="${sy(y)}" stroke="#eee"/><text x="${L - 4}" y="${sy(y) + 4}" text-anchor="end" font-size="10">${tick(y)}</text>`);
  }
  // Steps are whole numbers: label whole steps only, at most about five of them.
  const every = Math.max(1, Math.ceil((x1 - x0) / 4));
  for (let x = Math.ceil(x0); x <= x1; x += every) {
    parts.push(`<text x="${sx(x)}" y="${H - B + 14}" text-anchor="middle" font-size="10">${tick(x)}</text>`);
  }
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 4}" text-anchor="middle" font-size="11">${esc(options.xLabel ?? 'step')}</text>`);
  series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length];
    const d = s.points.map(([x, y], k) => `${k ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join('');
    if (s.points.length > 1) parts.push(`<path d="${d}" fill="none" stroke="${c}" stroke-width="1.8"/>`);
    for (const [x, y] of s.points) parts.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.6" fill="${c}"><title>${esc(s.name)} @ ${x}: ${y}</title></circle>`);
    const { x, row: r } = legend[i];
    parts.push(`<rect x="${x}" y="${8 + head + 15 * r}" width="10" height="10" fill="${c}"/><text x="${x + 14}" y="${17 + head + 15 * r}" font-size="11">${esc(s.name)}</text>`);
  });
  return `${svg(options.label ?? options.title)}${parts.join('')}</svg>`;
}

/** A chart of the report: a captioned figure around {@link svgLineChart}. */
function chart(title: string, series: Series[], empty = 'no data in this run'): string {
  return `<figure><figcaption>${esc(title)}</figcaption>${svgLineChart(series, { empty, label: title })}</figure>`;
}

function series(lines: readonly MetricsLine[], key: string, name = key): Series {
  return { name, points: lines.flatMap((l) => (typeof l.metrics[key] === 'number' ? [[l.step, l.metrics[key] as number] as [number, number]] : [])) };
}

/**
 * What the report shows besides metrics.jsonl.
 *
 * @example
 * ```ts
 * const info: ReportInfo = { title: 'my run', summary: { steps: 10, eval: { before: 0.3, after: 0.5 } } };
 * ```
 */
export interface ReportInfo {
  title: string;
  summary: { steps: number; seconds?: number; eval?: { before: number; after: number }; skippedSteps?: number; warnings?: readonly string[] };
}

/**
 * The report's HTML for `lines` and, when given, the game's `samples` (pure: no IO).
 *
 * @example
 * ```ts
 * const io = nodeRunIO('runs/a');
 * const html = renderReport(await readMetrics(io), { title: 'run a', summary: { steps: 10 } }, await readSamples(io));
 * ```
 */
export function renderReport(lines: readonly MetricsLine[], info: ReportInfo, samples: readonly SampleRow[] = []): string {
  const evalSeries = series(lines, 'eval/accuracy', 'held-out accuracy');
  if (info.summary.eval) {
    evalSeries.points.unshift([0, info.summary.eval.before]);
    evalSeries.points.push([info.summary.steps, info.summary.eval.after]);
  }
  const s = info.summary;
  const facts = [
    `steps: ${s.steps}`,
    ...(s.seconds !== undefined ? [`seconds: ${s.seconds.toFixed(1)}`] : []),
    ...(s.eval ? [`held-out accuracy: ${s.eval.before.toFixed(3)} → ${s.eval.after.toFixed(3)}`] : []),
    ...(s.skippedSteps ? [`skipped steps (non-finite): ${s.skippedSteps}`] : []),
  ];
  const charts = [
    chart('Reward per role', [series(lines, 'reward/solver/mean', 'solver'), series(lines, 'reward/challenger/mean', 'challenger')]),
    chart('Held-out accuracy', [evalSeries], 'no evaluation (the game has no verifier, or eval is off)'),
    chart('KL to the reference (token mean)', [series(lines, 'solver/kl', 'solver'), series(lines, 'challenger/kl', 'challenger')], 'not measured (β = 0 runs no reference pass)'),
    chart('Policy entropy (nats per token)', [series(lines, 'solver/entropy', 'solver'), series(lines, 'challenger/entropy', 'challenger')]),
    chart('Challenger query difficulty (fraction of answers wrong)', [series(lines, 'challenger/difficulty', 'difficulty'), series(lines, 'invalidQueryFraction', 'invalid fraction')]),
    chart('Challenger query length (tokens)', [series(lines, 'challenger/queryLength', 'query length')]),
    chart('Loss', [series(lines, 'loss', 'L = L_Sol + α·L_Ch')]),
    chart('Gradient norm (before clipping) and zero-variance groups', [series(lines, 'gradNorm', 'grad norm'), series(lines, 'zeroStdFraction', 'zero-std fraction')]),
  ];
  const warnings = (s.warnings ?? []).map((w) => `<li>${esc(w)}</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(info.title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}main{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0;border:1px solid #ddd;padding:6px;background:#fff}figcaption{font-weight:600;margin-bottom:4px}li{color:#a40}.group{margin:8px 0;max-width:940px}.q{margin:4px 0}.meta{color:#666}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}td.ans{white-space:pre-wrap;max-width:700px}</style>
</head><body><h1>${esc(info.title)}</h1><p>${facts.map(esc).join(' · ')}</p>${warnings ? `<h2>Warnings</h2><ul>${warnings}</ul>` : ''}<main>${charts.join('\n')}</main>${renderGame(samples)}</body></html>
`;
}

/**
 * Writes report.html of the run folder from its metrics.jsonl and samples.jsonl, atomically.
 *
 * @example
 * ```ts
 * await writeReport(nodeRunIO('runs/a'), { title: 'run a', summary: { steps: 10 } });
 * ```
 */
export async function writeReport(io: RunIO, info: ReportInfo): Promise<void> {
  await io.writeAtomic('report.html', renderReport(await readMetrics(io), info, await readSamples(io)));
}
