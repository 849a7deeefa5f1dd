/**
 * Loud diagnostics: a run that cannot learn should say so while it runs, not after an hour of flat
 * curves. Each check looks at the last `window` steps' metrics.
 */

/**
 * Thresholds of {@link diagnose}.
 *
 * @example
 * ```ts
 * const t: DiagnosticThresholds = { window: 3, invalidQueries: 0.5, truncated: 0.5 };
 * ```
 */
export interface DiagnosticThresholds {
  window: number;
  invalidQueries: number;
  truncated: number;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * One warning: `kind` names the check (a run reports each kind once), `message` says what to do.
 *
 * @example
 * ```ts
 * const w: Diagnostic = { kind: 'zero-variance', message: 'every group had zero reward variance: …' };
 * ```
 */
export interface Diagnostic {
  kind: 'zero-variance' | 'solver-truncated' | 'challenger-truncated' | 'invalid-queries';
  message: string;
}

/**
 * Warnings for the newest step, given the metrics of every step so far (oldest first).
 *
 * @example
 * ```ts
 * diagnose([{ zeroStdFraction: 1 }], { window: 3, invalidQueries: 0.5, truncated: 0.5 });
 * // [{ kind: 'zero-variance', message: 'every group had zero reward variance: ...' }]
 * ```
 */
export function diagnose(history: readonly Readonly<Record<string, number>>[], t: DiagnosticThresholds): Diagnostic[] {
  const last = history[history.length - 1];
  if (!last) return [];
  const out: Diagnostic[] = [];
  const push = (kind: Diagnostic['kind'], message: string) => out.push({ kind, message });
  if (last.zeroStdFraction === 1) {
    push('zero-variance', 'every group had zero reward variance: all G answers of each query scored the same, so the Solver got no learning signal this step (queries too easy or too hard; raise G or the temperature, or change the difficulty)');
  }
  const recent = history.slice(-t.window);
  const windowMean = (key: string) => {
    const xs = recent.map((m) => m[key]).filter((x) => Number.isFinite(x));
    return xs.length === recent.length && xs.length >= Math.min(t.window, history.length) ? mean(xs) : Number.NaN;
  };
  const trunc = windowMean('truncated/solver');
  if (trunc > t.truncated) {
    push('solver-truncated', `${(trunc * 100).toFixed(0)}% of Solver answers hit the token limit over the last ${recent.length} step(s): raise sampling.solverMaxNewTokens or add a stop string`);
  }
  const truncCh = windowMean('truncated/challenger');
  if (truncCh > t.truncated) {
    push('solver-truncated', `${(truncCh * 100).toFixed(0)}% of Challenger queries hit the token limit over the last ${recent.length} step(s): raise sampling.challengerMaxNewTokens or add a stop string`);
  }
  const invalid = windowMean('invalidQueryFraction');
  if (history.length >= t.window && invalid > t.invalidQueries) {
    push('invalid-queries', `${(invalid * 100).toFixed(0)}% of Challenger queries were invalid over the last ${recent.length} step(s): the Challenger is not following the game's format (see samples.jsonl for the reasons)`);
  }
  return out;
}
