// Loud diagnostics and the progress output, on hand-made metric histories.
import { diagnose, renderReport } from '@agon/trainer';
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
    expect(diagnose([{ 'truncated/challenger': 1 }], T)[0].message).toContain('raise sampling.challengerMaxNewTokens');
  });
  it('warns when the invalid-query fraction STAYS high (a full window), not on one bad step', () => {
    expect(kinds([{ invalidQueryFraction: 1 }])).toEqual([]);
    expect(kinds([{ invalidQueryFraction: 1 }, { invalidQueryFraction: 0.75 }, { invalidQueryFraction: 0.5 }])).toEqual(['invalid-queries']);
    expect(kinds([{ invalidQueryFraction: 1 }, { invalidQueryFraction: 0 }, { invalidQueryFraction: 0 }])).toEqual([]);
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
