/**
 * The game viewer: a step's Challenger queries, each with the Solver's G answers, their rewards,
 * advantages and verdicts; invalid queries marked with the parser's reason. It follows the latest
 * step or stays on a pinned one, and a search looks through every step's queries and answers.
 * Its rows are the trainer's samples.jsonl rows.
 */
import type { SampleRow } from '@agon/core';

/** One query of one step with its answers. */
interface Group {
  step: number;
  query: string;
  /** The Challenger's row (absent for fixed queries). */
  challenger?: SampleRow;
  answers: SampleRow[];
}

const fmt = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? Number(x.toPrecision(3)).toString() : '—');

/** The verdict of a Solver answer from its reward: exact games give 1 (correct) or 0 (wrong). */
export function verdict(row: SampleRow): string {
  const cut = row['finish'] === 'length' ? ' (cut at the token limit)' : '';
  if (row.reward === null) return `no reward${cut}`;
  if (row.reward >= 1) return `correct${cut}`;
  if (row.reward <= 0) return `wrong${cut}`;
  return `partial ${fmt(row.reward)}${cut}`;
}

/** A step's rows as groups, in the Challenger's order (answers of fixed queries by first appearance). */
function groupsOf(rows: readonly SampleRow[]): Group[] {
  const groups: Group[] = [];
  const byQuery = new Map<string, Group>();
  for (const r of rows) {
    if (r.role !== 'challenger') continue;
    const g: Group = { step: r.step, query: r.query, challenger: r, answers: [] };
    groups.push(g);
    if (r['valid'] !== false && !byQuery.has(r.query)) byQuery.set(r.query, g);
  }
  for (const r of rows) {
    if (r.role === 'challenger') continue;
    let g = byQuery.get(r.query);
    if (!g) {
      g = { step: r.step, query: r.query, answers: [] };
      byQuery.set(r.query, g);
      groups.push(g);
    }
    // a query the Challenger repeated: its answers are listed under its first copy
    g.answers.push(r);
  }
  return groups;
}

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, cls = '', text = ''): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text) e.textContent = text;
  return e;
};

/** The viewer in its host element. */
export class GameViewer {
  private readonly byStep = new Map<number, SampleRow[]>();
  private pinned: number | null = null;
  private readonly stepSelect = el('select', 'viewer-step');
  private readonly follow = el('input');
  private readonly search = el('input', 'viewer-search');
  private readonly list = el('div', 'viewer-list');
  private readonly note = el('span', 'meta');

  constructor(host: HTMLElement) {
    this.follow.type = 'checkbox';
    this.follow.checked = true;
    this.follow.className = 'viewer-follow';
    this.search.type = 'search';
    this.search.placeholder = 'search queries and answers (all steps)';
    const followLabel = el('label', '', ' follow the latest step');
    followLabel.prepend(this.follow);
    const bar = el('div', 'viewer-bar');
    bar.append(el('label', '', 'Step '), this.stepSelect, followLabel, this.search, this.note);
    host.append(bar, this.list);
    this.stepSelect.addEventListener('change', () => {
      this.pinned = Number(this.stepSelect.value);
      this.follow.checked = false;
      this.render();
    });
    this.follow.addEventListener('change', () => {
      this.pinned = this.follow.checked ? null : this.shownStep();
      this.render();
    });
    this.search.addEventListener('input', () => this.render());
  }

  /** Adds rows (a step's samples, or a whole samples.jsonl) and redraws. */
  add(rows: readonly SampleRow[]): void {
    for (const r of rows) {
      const list = this.byStep.get(r.step) ?? [];
      if (!list.length) {
        this.byStep.set(r.step, list);
        const o = el('option', '', `${r.step}`);
        o.value = String(r.step);
        this.stepSelect.append(o);
      }
      list.push(r);
    }
    this.render();
  }

  /** Forgets every row (a new run). */
  clear(): void {
    this.byStep.clear();
    this.stepSelect.replaceChildren();
    this.pinned = null;
    this.follow.checked = true;
    this.render();
  }

  /** The step on screen: the pinned one, else the newest. */
  shownStep(): number | null {
    if (this.pinned !== null) return this.pinned;
    const steps = [...this.byStep.keys()];
    return steps.length ? Math.max(...steps) : null;
  }

  private render(): void {
    const step = this.shownStep();
    if (step !== null) this.stepSelect.value = String(step);
    const q = this.search.value.trim().toLowerCase();
    let groups: Group[];
    if (q) {
      const hit = (s: string) => s.toLowerCase().includes(q);
      groups = [...this.byStep.values()].flatMap((rows) => groupsOf(rows)).filter((g) => hit(g.query) || g.answers.some((a) => hit(a.answer)));
      this.note.textContent = `${groups.length} ${groups.length === 1 ? 'query' : 'queries'} match in ${this.byStep.size} steps`;
      groups = groups.slice(-200);
    } else {
      groups = step === null ? [] : groupsOf(this.byStep.get(step) ?? []);
      const invalid = groups.filter((g) => g.challenger?.['valid'] === false).length;
      this.note.textContent = step === null ? 'no steps yet' : `${groups.length} queries, ${invalid} invalid`;
    }
    this.list.replaceChildren(...groups.map((g) => this.groupView(g, Boolean(q))));
  }

  private groupView(g: Group, showStep: boolean): HTMLElement {
    const c = g.challenger;
    const invalid = c?.['valid'] === false;
    const box = el('div', invalid ? 'group invalid' : 'group');
    const head = el('div', 'query');
    if (showStep) head.append(el('span', 'meta', `step ${g.step} · `));
    head.append(el('b', '', invalid ? 'invalid query ' : 'query '), el('code', '', g.query || '(empty)'));
    if (c) head.append(el('span', 'meta', ` Challenger reward ${fmt(c.reward)}, advantage ${fmt(c.advantage)}${invalid ? ` — ${String(c['reason'] ?? 'invalid')}` : ''}`));
    box.append(head);
    if (g.answers.length) {
      const table = el('table');
      const hr = el('tr');
      for (const h of ['Solver answer', 'reward', 'advantage', 'verdict']) hr.append(el('th', '', h));
      table.append(hr);
      for (const a of g.answers) {
        const tr = el('tr', (a.reward ?? 0) >= 1 ? 'right' : 'wrong');
        tr.append(el('td', 'answer', a.answer || '(empty)'), el('td', '', fmt(a.reward)), el('td', '', fmt(a.advantage)), el('td', '', verdict(a)));
        table.append(tr);
      }
      box.append(table);
    }
    return box;
  }
}
