// Advantages are plain numbers: rewards arrive as a table R[i][j] (query i, answer j) and every
// formula below is a few lines of arithmetic, so they are pure functions with no tensors.
// An EMPTY row R[i] = [] means query i was invalid: it had no Solver turn.

/**
 * Rewards of a batch: `rewards[i][j]` for answer j of query i; `[]` for an invalid query.
 *
 * @example
 * ```ts
 * const R: RewardTable = [[1, 0, 0], [], [1, 1, 0.4]]; // query 2 was invalid
 * ```
 */
export type RewardTable = readonly (readonly number[])[];

function checkTable(name: string, table: RewardTable): void {
  table.forEach((row, i) =>
    row.forEach((r, j) => {
      if (typeof r !== 'number' || !Number.isFinite(r)) {
        throw new Error(`${name}[${i}][${j}] is ${String(r)}; expected a finite number (resolve null rewards first, e.g. with withDefault)`);
      }
    }),
  );
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Group values V(q_i) = mean_j R(q_i, a_i^j) (Algorithm 1, line 4); `NaN` for an invalid query.
 *
 * @example
 * ```ts
 * groupValues([[1, 0, 0], [1, 1, 0]]); // [1/3, 2/3]
 * ```
 */
export function groupValues(rewards: RewardTable): number[] {
  checkTable('rewards', rewards);
  return rewards.map((row) => (row.length ? mean(row) : Number.NaN));
}

/**
 * Options of {@link solverAdvantages}.
 *
 * @example
 * ```ts
 * const opts: SolverAdvantageOptions = { scaleByStd: true, dropZeroStd: true };
 * ```
 */
export interface SolverAdvantageOptions {
  /** Divide R − V by the group's sample std (+ eps), as GRPO does. Default false, as in the paper. */
  scaleByStd?: boolean;
  /** Added to the std before dividing. Default 1e-4. */
  eps?: number;
  /** Mark groups whose rewards are all equal as not kept (they carry no learning signal). Default false. */
  dropZeroStd?: boolean;
}

/**
 * Solver advantages of one batch, with what the loss and the metrics need about each group.
 *
 * @example
 * ```ts
 * const s: SolverAdvantages = solverAdvantages([[1, 0, 0]]);
 * s.advantages[0]; // [2/3, -1/3, -1/3]
 * ```
 */
export interface SolverAdvantages {
  /** A[i][j]; `[]` for an invalid query. */
  advantages: number[][];
  /** V(q_i); `NaN` for an invalid query. */
  values: number[];
  /** Sample std of each group (divisor G − 1; 0 when G = 1); `NaN` for an invalid query. */
  stds: number[];
  /** True where a valid group's rewards are all equal (std exactly 0). */
  zeroStd: boolean[];
  /** Number of zero-std groups among the valid ones. */
  zeroStdCount: number;
  /** Whether group i enters the loss: valid, and not dropped for zero std. */
  keep: boolean[];
}

/**
 * Solver advantages A = R(q_i, a_i^j) − V(q_i) (Algorithm 1, line 5): mean-centred within each
 * query's group; optionally divided by the group std. For LSP pass the Solver reward R + w·R_Q
 * (see {@link lspSolverRewards}).
 *
 * @example
 * ```ts
 * solverAdvantages([[1, 0, 0], [1, 1, 1]], { dropZeroStd: true });
 * // advantages [[2/3, -1/3, -1/3], [0, 0, 0]], zeroStdCount 1, keep [true, false]
 * ```
 */
export function solverAdvantages(rewards: RewardTable, options: SolverAdvantageOptions = {}): SolverAdvantages {
  const eps = options.eps ?? 1e-4;
  const values = groupValues(rewards);
  const stds = rewards.map((row, i) => {
    if (!row.length) return Number.NaN;
    if (row.length === 1) return 0;
    return Math.sqrt(row.reduce((a, r) => a + (r - values[i]) ** 2, 0) / (row.length - 1));
  });
  // Exact equality, not std < tol: equal rewards can give a std of 1e-17 after rounding.
  const zeroStd = rewards.map((row) => row.length > 0 && row.every((r) => r === row[0]));
  const advantages = rewards.map((row, i) =>
    row.map((r) => {
      if (zeroStd[i]) return 0;
      const centred = r - values[i];
      return options.scaleByStd ? centred / (stds[i] + eps) : centred;
    }),
  );
  const keep = rewards.map((row, i) => row.length > 0 && !(options.dropZeroStd && zeroStd[i]));
  return { advantages, values, stds, zeroStd, zeroStdCount: zeroStd.filter(Boolean).length, keep };
}

/**
 * Options shared by the Challenger advantages.
 *
 * @example
 * ```ts
 * const opts: ChallengerAdvantageOptions = { invalidReward: -1 };
 * ```
 */
export interface ChallengerAdvantageOptions {
  /**
   * Challenger reward of an invalid query (an empty row). Required when the batch has one; pick it
   * at or below the worst valid Challenger reward (e.g. −1 when R ∈ [0, 1]) so invalid queries
   * never pay off.
   */
  invalidReward?: number;
  /**
   * Subtracted from each query's reward before the baseline (valid and invalid queries alike), e.g.
   * `weight × repeatPenalty(queries)` to make repeated queries pay less. Default: none.
   */
  penalty?: readonly number[];
}

/**
 * Challenger rewards and advantages of one batch.
 *
 * @example
 * ```ts
 * const c: ChallengerAdvantages = challengerAdvantagesZero([[1, 0, 0], [1, 1, 0]]);
 * c.advantages; // [1/6, -1/6]
 * ```
 */
export interface ChallengerAdvantages {
  /** The Challenger's reward per query (−V for LSP-Zero, −V + w·V_Q for LSP, or invalidReward). */
  rewards: number[];
  /** The baseline subtracted: the batch mean of `rewards`. */
  baseline: number;
  /** A_Ch(q_i) = rewards[i] − baseline. */
  advantages: number[];
}

function centre(rewards: number[]): ChallengerAdvantages {
  const baseline = rewards.length ? mean(rewards) : 0;
  return { rewards, baseline, advantages: rewards.map((r) => r - baseline) };
}

function challengerRewards(name: string, rewards: RewardTable, perQuery: (i: number) => number, options: ChallengerAdvantageOptions): number[] {
  const { penalty } = options;
  if (penalty && (penalty.length !== rewards.length || penalty.some((p) => !Number.isFinite(p)))) {
    throw new Error(`${name}: options.penalty must hold one finite number per query (${rewards.length}), got ${JSON.stringify(penalty)}`);
  }
  return rewards.map((row, i) => {
    const p = penalty ? penalty[i] : 0;
    if (row.length) return perQuery(i) - p;
    if (options.invalidReward === undefined) {
      throw new Error(`${name}: query ${i} is invalid (no answers) but options.invalidReward is not set`);
    }
    return options.invalidReward - p;
  });
}

/**
 * LSP-Zero Challenger advantages (Algorithm 1, line 6): the Challenger's reward is −V(q_i), so
 * A_Ch(q_i) = V̄ − V(q_i) with V̄ the batch mean of V.
 *
 * @example
 * ```ts
 * challengerAdvantagesZero([[1, 0, 0], [1, 1, 0]]).advantages; // [0.5 - 1/3, 0.5 - 2/3]
 * ```
 */
export function challengerAdvantagesZero(rewards: RewardTable, options: ChallengerAdvantageOptions = {}): ChallengerAdvantages {
  const v = groupValues(rewards);
  return centre(challengerRewards('challengerAdvantagesZero', rewards, (i) => -v[i], options));
}

/**
 * Options of {@link challengerAdvantagesLsp} and {@link lspSolverRewards}.
 *
 * @example
 * ```ts
 * const opts: LspOptions = { qualityWeight: 1 / 7 };
 * ```
 */
export interface LspOptions extends ChallengerAdvantageOptions {
  /** w, the scale of the self-reward R_Q against R (the paper adds them unscaled). Default 1. */
  qualityWeight?: number;
}

function checkSameShape(rewards: RewardTable, quality: RewardTable): void {
  checkTable('quality', quality);
  if (quality.length !== rewards.length || quality.some((row, i) => row.length !== rewards[i].length)) {
    throw new Error(`quality table shape ${JSON.stringify(quality.map((r) => r.length))} differs from rewards ${JSON.stringify(rewards.map((r) => r.length))}`);
  }
}

/**
 * LSP Challenger advantages: the Challenger's reward is −V(q_i) + w·V_Q(q_i), where V comes from R
 * alone and V_Q = mean_j R_Q(q_i, a_i^j); the advantage is that reward minus its batch mean.
 *
 * @example
 * ```ts
 * challengerAdvantagesLsp([[1, 0, 0], [1, 1, 0]], [[6, 3, 3], [7, 7, 1]]).rewards; // [-1/3 + 4, -2/3 + 5]
 * ```
 */
export function challengerAdvantagesLsp(rewards: RewardTable, quality: RewardTable, options: LspOptions = {}): ChallengerAdvantages {
  checkSameShape(rewards, quality);
  const w = options.qualityWeight ?? 1;
  const v = groupValues(rewards);
  const vq = groupValues(quality);
  return centre(challengerRewards('challengerAdvantagesLsp', rewards, (i) => -v[i] + w * vq[i], options));
}

/**
 * The LSP Solver reward R + w·R_Q, element by element; feed it to {@link solverAdvantages}.
 *
 * @example
 * ```ts
 * lspSolverRewards([[1, 0]], [[7, 2]], { qualityWeight: 1 / 7 }); // [[2, 2/7]]
 * ```
 */
export function lspSolverRewards(rewards: RewardTable, quality: RewardTable, options: Pick<LspOptions, 'qualityWeight'> = {}): number[][] {
  checkTable('rewards', rewards);
  checkSameShape(rewards, quality);
  const w = options.qualityWeight ?? 1;
  return rewards.map((row, i) => row.map((r, j) => r + w * quality[i][j]));
}
