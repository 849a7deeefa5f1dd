/**
 * The live charts (uPlot, canvas): one per question a watcher of LSP asks — are the roles
 * rewarded, does held-out accuracy move, how far from the reference, how sure is the policy, how
 * hard and how valid are the Challenger's queries, how fast does it run. Each chart reads named
 * metrics from the steps the worker posts (and from metrics.jsonl after a reload).
 */
import uPlot from 'uplot';

/** One step's numbers as the charts read them: the trainer's metrics plus speed. */
export type ChartPoint = { step: number; metrics: Record<string, number | null>; seconds?: number; tokens?: number };

interface Curve {
  label: string;
  /** The value of a point, or null when the step has none. */
  value(p: ChartPoint): number | null;
  /** Second y axis (speed: tokens/s beside seconds). */
  right?: boolean;
}

interface ChartSpec {
  id: string;
  title: string;
  curves: Curve[];
  /** y range fixed to [0, 1] (fractions, accuracies). */
  unit?: boolean;
}

const metric = (key: string) => (p: ChartPoint) => {
  const v = p.metrics[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};

/** The charts, in page order. */
export const CHARTS: readonly ChartSpec[] = [
  { id: 'reward', title: 'Reward per role', curves: [{ label: 'Solver', value: metric('reward/solver/mean') }, { label: 'Challenger', value: metric('reward/challenger/mean') }] },
  { id: 'accuracy', title: 'Held-out accuracy', unit: true, curves: [{ label: 'accuracy', value: metric('eval/accuracy') }] },
  { id: 'kl', title: 'KL to the reference', curves: [{ label: 'Solver', value: metric('solver/kl') }, { label: 'Challenger', value: metric('challenger/kl') }] },
  { id: 'entropy', title: 'Entropy (nats/token)', curves: [{ label: 'Solver', value: metric('solver/entropy') }, { label: 'Challenger', value: metric('challenger/entropy') }] },
  {
    id: 'challenger',
    title: 'Challenger: difficulty and invalid queries',
    unit: true,
    curves: [{ label: 'difficulty', value: metric('challenger/difficulty') }, { label: 'invalid fraction', value: metric('invalidQueryFraction') }],
  },
  {
    id: 'speed',
    title: 'Speed',
    curves: [
      { label: 'step seconds', value: (p) => p.seconds ?? null },
      { label: 'tokens/s', value: (p) => (p.seconds && p.tokens !== undefined ? p.tokens / p.seconds : null), right: true },
    ],
  },
];

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
/** Steps are whole numbers: x ticks at whole steps only. */
const STEP_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];
/** Tick labels with three significant digits, so small values (a KL of 4e-4) do not all read 0. */
const ticks = (_u: uPlot, values: number[]) => values.map((v) => (v === 0 ? '0' : Math.abs(v) < 0.01 || Math.abs(v) >= 1e4 ? v.toExponential(1) : String(Number(v.toPrecision(3)))));

/** The charts on the page, fed one point at a time. */
export class Charts {
  private readonly plots = new Map<string, { spec: ChartSpec; plot: uPlot; data: (number | null)[][] }>();

  /** Draws the empty charts into `host`. */
  constructor(host: HTMLElement) {
    for (const spec of CHARTS) {
      const box = document.createElement('figure');
      box.className = 'chart';
      box.dataset['chart'] = spec.id;
      const caption = document.createElement('figcaption');
      caption.textContent = spec.title;
      box.append(caption);
      host.append(box);
      const right = spec.curves.some((c) => c.right);
      const opts: uPlot.Options = {
        width: 420,
        height: 200,
        scales: { x: { time: false }, y: spec.unit ? { range: [0, 1] } : {}, ...(right ? { r: {} } : {}) },
        legend: { live: false },
        axes: [
          { label: 'step', incrs: STEP_INCRS },
          { size: 56, values: ticks },
          ...(right ? [{ scale: 'r', side: 1, size: 56, values: ticks, grid: { show: false } }] : []),
        ],
        series: [{ label: 'step' }, ...spec.curves.map((c, i) => ({ label: c.label, stroke: COLORS[i], width: 1.6, points: { show: true, size: 5 }, spanGaps: true, ...(c.right ? { scale: 'r' } : {}) }))],
      };
      const data = [[], ...spec.curves.map(() => [])] as (number | null)[][];
      this.plots.set(spec.id, { spec, plot: new uPlot(opts, data as uPlot.AlignedData, box), data });
    }
  }

  /** Adds steps (in order) and redraws once. */
  add(points: readonly ChartPoint[]): void {
    for (const { spec, plot, data } of this.plots.values()) {
      for (const p of points) {
        data[0].push(p.step);
        spec.curves.forEach((c, i) => data[i + 1].push(c.value(p)));
      }
      plot.setData(data as uPlot.AlignedData);
    }
  }

  /** A held-out accuracy outside the steps' metrics: before training (step 0) and after the last step. */
  accuracy(step: number, value: number): void {
    const a = this.plots.get('accuracy');
    if (!a) return;
    const k = a.data[0].findIndex((s) => s !== null && s >= step);
    if (k >= 0 && a.data[0][k] === step) a.data[1][k] = value;
    else {
      const at = k < 0 ? a.data[0].length : k;
      a.data[0].splice(at, 0, step);
      a.data[1].splice(at, 0, value);
      // the other curves of this chart (none today) keep their length
      for (let i = 2; i < a.data.length; i++) a.data[i].splice(at, 0, null);
    }
    a.plot.setData(a.data as uPlot.AlignedData);
  }

  /** The number of points each chart holds, by chart id (what a test asserts). */
  counts(): Record<string, number> {
    return Object.fromEntries([...this.plots].map(([id, { data }]) => [id, data.slice(1).reduce((n, ys) => n + ys.filter((y) => y !== null).length, 0)]));
  }

  /** Drops every point (a new run). */
  clear(): void {
    for (const { plot, data } of this.plots.values()) {
      for (const ys of data) ys.length = 0;
      plot.setData(data as uPlot.AlignedData);
    }
  }
}
