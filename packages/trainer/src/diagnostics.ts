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
  /** Warn when a held-out accuracy is more than this below the best so far (the start included). Default 0.15. */
  accuracyDrop?: number;
  /** Warn when the Solver's mean reward over `rewardWindow` steps is more than this below its best such mean. Default 0.5. */
  rewardDrop?: number;
  /** Steps averaged for `rewardDrop` (one step's reward is noisy). Default 10. */
  rewardWindow?: number;
}

/**
 * What {@link diagnose} knows besides the metrics: the held-out accuracy before training.
 *
 * @example
 * ```ts
 * const c: DiagnosticContext = { accuracyBefore: 0.52 };
 * ```
 */
export interface DiagnosticContext {
  accuracyBefore?: number;
}

/** What to try when training makes the model worse; shared by both drop warnings. */
const REMEDY =
  'try a KL anchor to the reference (loss.beta, e.g. 0.1), a lower optimizer.lr or optimizer.schedule "cosine", fewer steps, or keep the checkpoint of the best evaluation (eval.every)';

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
  kind: 'zero-variance' | 'solver-truncated' | 'challenger-truncated' | 'invalid-queries' | 'accuracy-drop' | 'reward-drop';
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
export function diagnose(history: readonly Readonly<Record<string, number>>[], t: DiagnosticThresholds, context: DiagnosticContext = {}): Diagnostic[] {
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
    push('challenger-truncated', `${(truncCh * 100).toFixed(0)}% of Challenger queries hit the token limit over the last ${recent.length} step(s): raise sampling.challengerMaxNewTokens or add a stop string`);
  }
  const invalid = windowMean('invalidQueryFraction');
  if (history.length >= t.window && invalid > t.invalidQueries) {
    push('invalid-queries', `${(invalid * 100).toFixed(0)}% of Challenger queries were invalid over the last ${recent.length} step(s): the Challenger is not following the game's format (see samples.jsonl for the reasons)`);
  }
  out.push(...drops(history, t, context));
  return out;
}

/** The accuracy-drop and reward-drop checks: the newest value against the best so far. */
function drops(history: readonly Readonly<Record<string, number>>[], t: DiagnosticThresholds, context: DiagnosticContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const last = history[history.length - 1];
  const accuracyDrop = t.accuracyDrop ?? 0.15;
  const latest = last['eval/accuracy'];
  if (Number.isFinite(latest)) {
    const earlier = history.slice(0, -1).map((m, i) => ({ step: i + 1, accuracy: m['eval/accuracy'] }));
    if (Number.isFinite(context.accuracyBefore)) earlier.unshift({ step: 0, accuracy: context.accuracyBefore as number });
    const best = earlier.filter((e) => Number.isFinite(e.accuracy)).reduce<{ step: number; accuracy: number } | null>((b, e) => (b && b.accuracy >= e.accuracy ? b : e), null);
    if (best && best.accuracy - latest > accuracyDrop) {
      const where = best.step === 0 ? 'before training' : `at step ${best.step}`;
      out.push({
        kind: 'accuracy-drop',
        message: `TRAINING IS MAKING THE MODEL WORSE: held-out accuracy ${latest.toFixed(3)} is ${(best.accuracy - latest).toFixed(3)} below its best, ${best.accuracy.toFixed(3)} ${where}; ${REMEDY}`,
      });
    }
  }
  const w = t.rewardWindow ?? 10;
  const rewards = history.map((m) => m['reward/solver/mean']);
  if (rewards.length >= 2 * w) {
    const windowMean = (end: number) => {
      const xs = rewards.slice(end - w, end).filter((x) => Number.isFinite(x));
      return xs.length * 2 >= w ? mean(xs) : Number.NaN;
    };
    const now = windowMean(rewards.length);
    let best = Number.NaN;
    let bestEnd = 0;
    for (let end = w; end < rewards.length; end++) {
      const m = windowMean(end);
      if (Number.isFinite(m) && !(m <= best)) [best, bestEnd] = [m, end];
    }
    if (best - now > (t.rewardDrop ?? 0.5)) {
      out.push({
        kind: 'reward-drop',
        message: `the Solver's reward (mean of the last ${w} steps) is ${now.toFixed(3)}, ${(best - now).toFixed(3)} below its best, ${best.toFixed(3)} over steps ${bestEnd - w + 1}–${bestEnd}. If challenger/difficulty rose as much, the Challenger found harder queries; if held-out accuracy fell too (eval.every), the Solver is getting worse: ${REMEDY}`,
      });
    }
  }
  return out;
}
