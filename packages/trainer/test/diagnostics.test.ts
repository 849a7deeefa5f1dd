// Loud diagnostics and the progress output, on hand-made metric histories.
import { diagnose, renderReport, svgLineChart } from '@agon/trainer';
import { renderGame, shownSteps } from '../src/report-game.js';
import { progressReporter } from '../src/progress.js';

const T = { window: 3, invalidQueries: 0.5, truncated: 0.5 };
const kinds = (h: Record<string, number>[]) => diagnose(h, T).map((d) => d.kind);

describe('diagnose', () => {
  it('warns when every group had zero reward variance, not when some did', () => {
    expect(kinds([{ zeroStdFraction: 1 }])).toEqual(['zero-variance']);
    expect(kinds([{ zeroStdFraction: 0.75 }])).toEqual([]);
  });
  it('warns when most answers hit the token limit over the window', () => {
    expect(kinds([{ 'truncated/solver': 0.9 }, { 'truncated/solver': 0.8 }, { 'truncated/solver': 0.7 }])).toEqual(['solver-truncated']);
    expect(kinds([{ 'truncated/solver': 0.9 }, { 'truncated/solver': 0.1 }, { 'truncated/solver': 0.2 }])).toEqual([]);
    expect(diagnose([{ 'truncated/challenger': 1 }], T)[0]).toMatchObject({ kind: 'challenger-truncated', message: expect.stringContaining('raise sampling.challengerMaxNewTokens') });
  });
  it('warns when the invalid-query fraction STAYS high (a full window), not on one bad step', () => {
    expect(kinds([{ invalidQueryFraction: 1 }])).toEqual([]);
    expect(kinds([{ invalidQueryFraction: 1 }, { invalidQueryFraction: 0.75 }, { invalidQueryFraction: 0.5 }])).toEqual(['invalid-queries']);
    expect(kinds([{ invalidQueryFraction: 1 }, { invalidQueryFraction: 0 }, { invalidQueryFraction: 0 }])).toEqual([]);
  });
});

describe('diagnose: training that makes the model worse', () => {
  const acc = (a?: number): Record<string, number> => (a === undefined ? {} : { 'eval/accuracy': a });
  it('warns when a held-out accuracy falls more than accuracyDrop below the best so far, the start included', () => {
    // Best 0.89 at step 2, now 0.70: 0.19 > 0.15.
    const h = [acc(), acc(0.89), acc(), acc(0.7)];
    const [d] = diagnose(h, T, { accuracyBefore: 0.52 });
    expect(d.kind).toBe('accuracy-drop');
    expect(d.message).toBe(
      'TRAINING IS MAKING THE MODEL WORSE: held-out accuracy 0.700 is 0.190 below its best, 0.890 at step 2; try a KL anchor to the reference (loss.beta, e.g. 0.1), a lower optimizer.lr or optimizer.schedule "cosine", fewer steps, or keep the checkpoint of the best evaluation (eval.every)',
    );
    // Below the start: the best is the accuracy before training.
    expect(diagnose([acc(0.3)], T, { accuracyBefore: 0.52 })[0].message).toContain('0.220 below its best, 0.520 before training');
  });
  it('stays quiet for a small dip, on steps without an evaluation, and with a looser threshold', () => {
    expect(kinds([acc(0.89), acc(0.8)])).toEqual([]);
    expect(kinds([acc(0.89), acc(0.5), acc()])).toEqual([]); // the check runs on the step that evaluated
    expect(diagnose([acc(0.89), acc(0.7)], { ...T, accuracyDrop: 0.25 })).toEqual([]);
  });
  it("warns when the Solver's windowed reward falls more than rewardDrop below its best window", () => {
    const r = (x: number) => ({ 'reward/solver/mean': x });
    const t = { ...T, rewardWindow: 4 };
    // Windows of 4: best 0.8 (steps 1–4), newest (steps 5–8) 0.2 → drop 0.6 > 0.5 (the default).
    const h = [0.8, 0.8, 0.8, 0.8, 0.2, 0.2, 0.2, 0.2].map(r);
    const [d] = diagnose(h, t);
    expect(d.kind).toBe('reward-drop');
    expect(d.message).toContain("the Solver's reward (mean of the last 4 steps) is 0.200, 0.600 below its best, 0.800 over steps 1–4");
    expect(diagnose([0.8, 0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.4].map(r), t)).toEqual([]); // 0.4 ≤ 0.5: a harder Challenger, not yet an alarm
    expect(diagnose([0.8, 0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.4].map(r), { ...t, rewardDrop: 0.3 }).map((d) => d.kind)).toEqual(['reward-drop']);
    expect(d.message).toContain('If challenger/difficulty rose as much, the Challenger found harder queries');
    // One bad step inside a window is smoothed away; fewer than two windows of history is not judged.
    expect(diagnose([0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.0].map(r), t)).toEqual([]);
    expect(diagnose([0.8, 0.8, 0.8, 0.8, 0.2, 0.2, 0.2].map(r), t)).toEqual([]);
  });
});

describe('progress', () => {
  it('draws a bar with ETA on a TTY and plain lines otherwise', () => {
    const tty: string[] = [];
    const p = progressReporter({ write: (s) => void tty.push(s), isTTY: true }, 4);
    p.step(1, { loss: 0.5 }, 10, 0);
    p.step(2, { loss: 0.25 }, 20, 0);
    p.line('warning: x');
    p.done();
    const out = tty.join('');
    expect(out).toContain('[############............] 2/4 loss 0.250');
    expect(out).toContain('ETA 20s');
    expect(out).toContain('\r\x1b[2Kwarning: x\n');
    const plain: string[] = [];
    const q = progressReporter({ write: (s) => void plain.push(s), isTTY: false }, 4);
    q.step(1, { loss: 0.5, skipped: 1 }, 65, 0);
    expect(plain).toEqual(['step 1/4 loss 0.500 reward - kl - SKIPPED elapsed 1m05s eta 3m15s\n']);
  });
});

describe('renderReport', () => {
  it('is one self-contained page with a chart per curve, gaps for missing values', () => {
    const html = renderReport(
      [
        { step: 1, metrics: { 'reward/solver/mean': 0.25, 'reward/challenger/mean': -0.25, 'solver/kl': null }, seconds: 1 },
        { step: 2, metrics: { 'reward/solver/mean': 0.5, 'reward/challenger/mean': -0.5, 'solver/kl': 0.01 }, seconds: 2 },
      ],
      { title: 'a <run>', summary: { steps: 2, eval: { before: 0.2, after: 0.4 }, warnings: ['careful'] } },
    );
    expect(html).toContain('<title>a &lt;run&gt;</title>');
    expect(html).toContain('held-out accuracy: 0.200 → 0.400');
    expect(html).toContain('<li>careful</li>');
    expect(html.match(/<svg/g)).toHaveLength(8);
    expect(html).toContain('KL to the reference');
    expect(html).toContain('<figcaption>Policy entropy (nats per token)</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="460" height="230" role="img"><text x="230" y="115" text-anchor="middle" font-size="12" fill="#888">no data in this run</text>');
  });
});

describe('the game in the report', () => {
  const row = (step: number, query: string, answer: string, reward: number) => ({ step, role: 'solver', query, answer, reward, advantage: 0 });
  const samples = [
    row(1, 'q easy', 'right', 1), row(1, 'q easy', 'also right', 1),
    row(1, 'q mid', 'right', 1), row(1, 'q mid', 'wrong', 0),
    row(1, 'q <hard>', 'wrong & long', 0), row(1, 'q <hard>', 'wrong', 0),
    { step: 1, role: 'challenger', query: 'q mid', answer: '', reward: 0.5, advantage: 0.1, valid: true },
    { step: 1, role: 'challenger', query: '???', answer: '', reward: -1, advantage: -1, valid: false, reason: 'no query' },
  ];

  it('shows the best and worst groups of each shown step, escaped, with the Challenger reward and invalid queries', () => {
    const html = renderGame(samples, { groups: 1 });
    expect(html).toContain('<h3>Step 1</h3>');
    const best = html.indexOf('<b>best</b> query: q easy');
    const worst = html.indexOf('<b>worst</b> query: q &lt;hard&gt;');
    expect(best).toBeGreaterThan(0);
    expect(worst).toBeGreaterThan(best);
    expect(html).not.toContain('query: q mid'); // neither best nor worst with one group each
    expect(html).toContain('wrong &amp; long');
    expect(html).toContain('1 invalid query: ??? <i>(no query)</i>');
    expect(renderGame(samples, { groups: 2 })).toContain('(mean reward 0.5 · Challenger reward 0.5)');
    expect(renderGame([])).toContain('no samples in this run');
  });

  it('picks the first, middle and last steps', () => {
    expect(shownSteps([1, 2, 3, 4, 5], 3)).toEqual([1, 3, 5]);
    expect(shownSteps([2, 2, 1], 3)).toEqual([1, 2]);
    expect(shownSteps([1, 2, 3, 4], 3)).toEqual([1, 3, 4]);
  });
});

describe('svgLineChart', () => {
  it('draws a standalone titled chart on a fixed y range, one path per multi-point series', () => {
    const svg = svgLineChart(
      [
        { name: 'a', points: [[0, 0.5], [20, 0.9]] },
        { name: 'b & c', points: [[10, 0.2]] },
      ],
      { title: 'acc <x>', yRange: [0, 1], width: 640, height: 300, xLabel: 'optimizer step' },
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="640" height="300" role="img" aria-label="acc &lt;x&gt;">')).toBe(true);
    expect(svg).toContain('font-weight="600">acc &lt;x&gt;</text>');
    expect(svg.match(/<path /g)).toHaveLength(1);
    expect(svg.match(/<circle /g)).toHaveLength(3);
    // Grid labels at 0, 0.25, …, 1 whatever the data's own range.
    for (const y of ['0', '0.25', '0.5', '0.75', '1']) expect(svg).toContain(`text-anchor="end" font-size="10">${y}</text>`);
    expect(svg).toContain('>optimizer step</text>');
    expect(svg).toContain('>b &amp; c</text>');
    expect(svg.endsWith('</svg>')).toBe(true);
  });
  it('wraps a legend that does not fit on one line and moves the plot down by the extra rows', () => {
    const long = (name: string) => ({ name, points: [[0, 1], [1, 2]] as [number, number][] });
    const svg = svgLineChart([long('a rather long method name'), long('another long method name')], { width: 300 });
    expect(svg).toContain('<rect x="62" y="8" width="10" height="10"');
    expect(svg).toContain('<rect x="62" y="23" width="10" height="10"'); // second row, 15 px lower
    expect(svg).toContain('<rect x="56" y="43" width="232"'); // plot top 28 + 15
  });
});
