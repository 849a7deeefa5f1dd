/**
 * Progress output: a redrawn bar with ETA on a terminal, one plain line per step otherwise (logs,
 * CI), so piped output stays readable.
 */

/**
 * Where progress goes.
 *
 * @example
 * ```ts
 * const p = progressReporter({ write: (s) => process.stderr.write(s), isTTY: process.stderr.isTTY === true }, 20);
 * p.step(1, { loss: 0.3 }, 2.5);
 * p.done();
 * ```
 */
export interface ProgressReporter {
  /** After step `step` (1-based) of the run; `seconds` spent so far in this process. */
  step(step: number, metrics: Readonly<Record<string, number>>, seconds: number, firstStep: number): void;
  /** A line that must not be overdrawn by the bar (a warning, an eval result). */
  line(text: string): void;
  /** End the bar. */
  done(): void;
}

const fmt = (x: number | undefined, digits = 3) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits));

/** Seconds as `1m05s`. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?';
  const m = Math.floor(s / 60);
  return m ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

/**
 * A reporter writing to `out`; `total` is the run's step count.
 *
 * @example
 * ```ts
 * const p = progressReporter({ write: (s) => process.stderr.write(s), isTTY: false }, 10);
 * ```
 */
export function progressReporter(out: { write(text: string): void; isTTY: boolean }, total: number): ProgressReporter {
  let drawn = false;
  const clear = () => {
    if (drawn) out.write('\r\x1b[2K');
    drawn = false;
  };
  return {
    step(step, m, seconds, firstStep) {
      const done = step - firstStep;
      const eta = done > 0 ? (seconds / done) * (total - step) : Number.NaN;
      const stats = `loss ${fmt(m.loss)} reward ${fmt(m['reward/solver/mean'])} kl ${fmt(m['solver/kl'], 4)}${m.skipped ? ' SKIPPED' : ''}`;
      if (out.isTTY) {
        const width = 24;
        const filled = Math.round((width * step) / total);
        clear();
        out.write(`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${step}/${total} ${stats} ETA ${formatSeconds(eta)}`);
        drawn = true;
      } else {
        out.write(`step ${step}/${total} ${stats} elapsed ${formatSeconds(seconds)} eta ${formatSeconds(eta)}\n`);
      }
    },
    line(text) {
      clear();
      out.write(`${text}\n`);
    },
    done() {
      if (drawn) out.write('\n');
      drawn = false;
    },
  };
}
