/**
 * The game in report.html: for a few steps (first, middle, last), the Challenger's queries and the
 * Solver's answers with their rewards, best and worst groups first — read from samples.jsonl.
 */
import type { SampleRow } from '@agon/core';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
/** `s` with the HTML special characters escaped. */
export const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ENTITIES[c] ?? c);
const clip = (s: string, n = 240) => (s.length > n ? `${s.slice(0, n)}…` : s);
const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? Number(x.toPrecision(3)).toString() : '—');

/** One query of a step with its G answers (solver rows sharing the query text). */
interface Group {
  query: string;
  answers: SampleRow[];
  mean: number;
  challengerReward?: number;
}

/**
 * The steps the report shows: the first, the middle and the last that have samples (fewer when
 * the run is shorter).
 *
 * @example
 * ```ts
 * shownSteps([1, 2, 3, 4, 5], 3); // [1, 3, 5]
 * ```
 */
export function shownSteps(steps: readonly number[], count: number): number[] {
  const all = [...new Set(steps)].sort((a, b) => a - b);
  if (all.length <= count) return all;
  const picked = Array.from({ length: count }, (_, k) => all[Math.round((k * (all.length - 1)) / (count - 1))]);
  return [...new Set(picked)];
}

function groupsOf(rows: readonly SampleRow[]): Group[] {
  const byQuery = new Map<string, Group>();
  for (const r of rows) {
    if (r.role !== 'solver') continue;
    const g = byQuery.get(r.query) ?? { query: r.query, answers: [], mean: 0 };
    g.answers.push(r);
    byQuery.set(r.query, g);
  }
  const challenger = new Map(rows.filter((r) => r.role === 'challenger' && r.valid !== false).map((r) => [r.query, r.reward ?? undefined]));
  return [...byQuery.values()].map((g) => ({
    ...g,
    mean: g.answers.reduce((a, r) => a + (r.reward ?? 0), 0) / g.answers.length,
    challengerReward: challenger.get(g.query) ?? undefined,
  }));
}

function groupHtml(g: Group, label: string): string {
  const answers = g.answers.map((a) => `<tr><td class="ans">${esc(clip(a.answer)) || '<i>(empty)</i>'}</td><td>${num(a.reward)}</td><td>${num(a.advantage)}</td></tr>`).join('');
  const ch = g.challengerReward !== undefined ? ` · Challenger reward ${num(g.challengerReward)}` : '';
  return `<div class="group"><div class="q"><b>${label}</b> query: ${esc(clip(g.query))} <span class="meta">(mean reward ${num(g.mean)}${ch})</span></div><table><tr><th>Solver answer</th><th>reward</th><th>advantage</th></tr>${answers}</table></div>`;
}

/**
 * The report's game section for `samples` (pure: no IO): per shown step, the `groups` best and
 * `groups` worst query groups by mean reward, each with its answers, and the invalid queries.
 *
 * @example
 * ```ts
 * const html = renderGame(await readSamples(io), { steps: 3, groups: 2 });
 * ```
 */
export function renderGame(samples: readonly SampleRow[], opts: { steps?: number; groups?: number } = {}): string {
  const steps = shownSteps(samples.map((s) => s.step), opts.steps ?? 3);
  if (!steps.length) return '<section><h2>The game</h2><p class="meta">no samples in this run</p></section>';
  const k = opts.groups ?? 2;
  const parts = steps.map((step) => {
    const rows = samples.filter((s) => s.step === step);
    const groups = groupsOf(rows).sort((a, b) => b.mean - a.mean);
    const best = groups.slice(0, k);
    const worst = groups.slice(Math.max(k, groups.length - k)).reverse();
    const invalid = rows.filter((r) => r.role === 'challenger' && r.valid === false);
    const invalidHtml = invalid.length
      ? `<p class="meta">${invalid.length} invalid ${invalid.length === 1 ? 'query' : 'queries'}: ${invalid
          .slice(0, 3)
          .map((r) => `${esc(clip(r.query, 80))} <i>(${esc(String(r.reason ?? ''))})</i>`)
          .join('; ')}</p>`
      : '';
    return `<h3>Step ${step}</h3>${best.map((g) => groupHtml(g, 'best')).join('')}${worst.map((g) => groupHtml(g, 'worst')).join('')}${invalidHtml}`;
  });
  return `<section><h2>The game</h2><p class="meta">Queries and answers of ${steps.length === 1 ? 'step' : 'steps'} ${steps.join(', ')}, from samples.jsonl: the best and worst groups by mean Solver reward.</p>${parts.join('')}</section>`;
}
