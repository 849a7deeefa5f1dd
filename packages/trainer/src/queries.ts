/**
 * Where each iteration's N queries come from: the Challenger (self-play), or a fixed prompt set (the
 * data-driven GRPO baseline). An object passed to the trainer, not a mode string.
 */

/**
 * The query source of a run.
 *
 * @example
 * ```ts
 * const self: QuerySource<string> = challengerQueries();
 * const data: QuerySource<string> = fixedQueries(['2 + 2', '3 * 7']);
 * ```
 */
export type QuerySource<Q> = ChallengerQueries | FixedQueries<Q>;

/**
 * Queries are written by the Challenger each iteration (Language Self-Play); it is trained too.
 *
 * @example
 * ```ts
 * const source = challengerQueries();
 * ```
 */
export interface ChallengerQueries {
  readonly kind: 'challenger';
}

/**
 * Queries are drawn from a fixed list; there is no Challenger turn and no Challenger loss.
 *
 * @example
 * ```ts
 * const source = fixedQueries(game.evalSet({ size: 64, seed: 99 }));
 * source.pick(0, 4); // the first 4 queries of the seeded order
 * ```
 */
export interface FixedQueries<Q> {
  readonly kind: 'fixed';
  readonly size: number;
  /** The `n` queries of iteration `iteration` (0-based over the whole run; stateless, so resume is exact). */
  pick(iteration: number, n: number): Q[];
}

/**
 * Self-play: the Challenger writes the queries.
 *
 * @example
 * ```ts
 * await train(config, { queries: challengerQueries() });
 * ```
 */
export function challengerQueries(): ChallengerQueries {
  return { kind: 'challenger' };
}

/** A seeded permutation of 0..n-1 (Fisher–Yates on mulberry32), so every pass is shuffled the same way on every machine. */
function permutation(n: number, seed: number): number[] {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/**
 * A fixed prompt set, walked in a seeded shuffled order (a new shuffle each pass over the list).
 *
 * @example
 * ```ts
 * const source = fixedQueries(arithmeticGame({ digits: 2 }).evalSet({ size: 64, seed: 99 }), { seed: 3 });
 * ```
 */
export function fixedQueries<Q>(list: readonly Q[], opts: { seed?: number } = {}): FixedQueries<Q> {
  if (list.length === 0) throw new Error('fixedQueries: the list is empty; give at least one query');
  const seed = opts.seed ?? 0;
  const items = [...list];
  return {
    kind: 'fixed',
    size: items.length,
    pick(iteration, n) {
      const out: Q[] = [];
      for (let k = 0; k < n; k++) {
        const flat = iteration * n + k;
        const pass = Math.floor(flat / items.length);
        out.push(items[permutation(items.length, seed + pass)[flat % items.length]]);
      }
      return out;
    },
  };
}
