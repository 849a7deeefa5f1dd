import type { Game } from '@agon/core';

/**
 * A game whose reward is exact: a verifier decides whether an answer is right, so the gain from
 * self-play can be measured on a seeded held-out set rather than guessed.
 *
 * `parseQuery` is also the rule-based analogue of the self-judge's query criteria: it returns
 * an `Invalid` (from `@agon/core`, with a reason) for a query that is not a well-formed, in-range, non-leaking
 * instance of the task.
 *
 * @example
 * ```ts
 * const game: VerifiableGame<ArithmeticQuery> = arithmeticGame({ digits: 2 });
 * const [q] = game.evalSet({ size: 1, seed: 7 });
 * game.verify(q, game.referenceAnswer(q)); // 1
 * ```
 */
export interface VerifiableGame<Q> extends Game<Q> {
  readonly name: string;
  /** 1 when `answer` is exactly right for `query`, else 0. */
  verify(query: Q, answer: string): number;
  /** The correct answer, written the way the Solver is asked to write it. */
  referenceAnswer(query: Q): string;
  /** The query as the text the Solver sees inside its prompt. */
  formatQuery(query: Q): string;
  /** `size` distinct queries drawn uniformly at the game's difficulty; the same seed gives the same set. */
  evalSet(opts: { size: number; seed: number }): Q[];
}

/**
 * A small seeded generator (mulberry32) so evaluation sets are identical on every machine.
 * Returns uniform floats in [0, 1).
 */
export function seededUniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform integer in [lo, hi] from a uniform float source. */
export function uniformInt(next: () => number, lo: number, hi: number): number {
  return lo + Math.floor(next() * (hi - lo + 1));
}

/**
 * Draws `size` distinct queries (by key) from `draw`; fails clearly when the space is too small.
 */
export function distinctSet<Q>(size: number, draw: () => Q, key: (q: Q) => string, game: string): Q[] {
  if (!Number.isInteger(size) || size < 0) throw new Error(`${game}.evalSet: size must be a non-negative integer, got ${size}`);
  const seen = new Set<string>();
  const out: Q[] = [];
  for (let tries = 0; out.length < size; tries++) {
    if (tries > size * 100 + 1000) {
      throw new Error(`${game}.evalSet: could only draw ${out.length} distinct queries of ${size}; raise the difficulty or ask for fewer`);
    }
    const q = draw();
    const k = key(q);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(q);
    }
  }
  return out;
}

/** Throws a clear error unless `value` is an integer in [lo, hi]. */
export function checkKnob(game: string, field: string, value: number, lo: number, hi: number): void {
  if (!Number.isInteger(value) || value < lo || value > hi) {
    throw new Error(`${game}: option ${field} must be an integer in ${lo}..${hi}, got ${value}`);
  }
}
