/**
 * Held-out evaluation of a verifiable game: greedy answers to a fixed, seeded query set, scored by
 * the game's exact verifier. The trainer runs it before and after self-play, `agon eval` on its own.
 */
import type { Sampler } from '@agon/core';
import type { VerifiableGame } from '@agon/game';
import { solverPromptIds, type PromptFormat } from '../prompt.js';

/**
 * Options of {@link evaluate}.
 *
 * @example
 * ```ts
 * const opts: EvalOptions = { maxNewTokens: 8, stopIds: loaded.eosIds };
 * ```
 */
export interface EvalOptions {
  /** Most answer tokens per query; an answer cut here is scored as it stands. Default 16. */
  maxNewTokens?: number;
  /** Extra ids that end an answer (the tokenizer's EOS always does). */
  stopIds?: readonly number[];
}

/**
 * One scored query of an evaluation.
 *
 * @example
 * ```ts
 * const row: EvalRow = { query: '34 + 58', answer: '92', correct: true, finishReason: 'stop' };
 * ```
 */
export interface EvalRow {
  /** The query as the Solver saw it (the game's `formatQuery`). */
  query: string;
  /** The decoded greedy answer. */
  answer: string;
  /** The game's verifier said 1. */
  correct: boolean;
  /** 'length' when the answer hit `maxNewTokens`. */
  finishReason: 'stop' | 'length';
}

/**
 * What {@link evaluate} measured.
 *
 * @example
 * ```ts
 * const r: EvalResult = await evaluate(sampler, format, game, set);
 * console.log(`${(r.accuracy * 100).toFixed(1)}% of ${r.n}`);
 * ```
 */
export interface EvalResult {
  /** Fraction of queries answered correctly, 0..1 (0 for an empty set). */
  accuracy: number;
  /** Number of queries. */
  n: number;
  /** Number answered correctly. */
  correct: number;
  /** Number of answers cut by `maxNewTokens`. */
  finishedByLength: number;
  /** Every query with its answer, in the order of the set. */
  rows: EvalRow[];
}

/**
 * The seeded held-out set of a game, checked: `size` distinct queries, the same on every machine.
 *
 * @throws Error naming the field when `size` or `seed` is not a valid integer.
 * @example
 * ```ts
 * const set = heldOutSet(arithmeticGame({ digits: 2, ops: ['+'] }), { size: 200, seed: 1234 });
 * ```
 */
export function heldOutSet<Q>(game: VerifiableGame<Q>, opts: { size: number; seed: number }): Q[] {
  if (!Number.isInteger(opts.size) || opts.size < 1) throw new Error(`held-out set: field 'size' must be an integer >= 1, got ${opts.size}`);
  if (!Number.isInteger(opts.seed)) throw new Error(`held-out set: field 'seed' must be an integer, got ${opts.seed}`);
  return game.evalSet({ size: opts.size, seed: opts.seed });
}

/**
 * Accuracy of the policy behind `sampler` on `evalSet`: one greedy answer per query (temperature
 * 0, so the number is deterministic) to the Solver prompt training uses, scored by `game.verify`.
 *
 * @throws Error when a prompt plus `maxNewTokens` exceeds the model's positions (from the sampler).
 * @example
 * ```ts
 * import { createSampler, loadModel } from '@agon/models';
 * import { arithmeticGame } from '@agon/game';
 * const loaded = await loadModel(DEFAULT_MODEL);
 * const game = arithmeticGame({ digits: 2, ops: ['+'] });
 * const sampler = createSampler(loaded.model, loaded.tokenizer, { microBatchSize: 32 });
 * const r = await evaluate(sampler, promptFormat(loaded), game, heldOutSet(game, { size: 200, seed: 1234 }), { stopIds: loaded.eosIds });
 * console.log(r.accuracy, r.n);
 * ```
 */
export async function evaluate<Q>(sampler: Sampler, format: PromptFormat, game: VerifiableGame<Q>, evalSet: readonly Q[], opts: EvalOptions = {}): Promise<EvalResult> {
  const prompts = evalSet.map((q) => solverPromptIds(format, game, q));
  const completions =
    prompts.length === 0 ? [] : await sampler.generate(prompts, { maxNewTokens: opts.maxNewTokens ?? 16, temperature: 0, ...(opts.stopIds ? { stopIds: opts.stopIds } : {}) });
  const rows = completions.map((c, i): EvalRow => {
    const q = evalSet[i];
    return { query: game.formatQuery(q), answer: c.text, correct: game.verify(q, c.text) === 1, finishReason: c.finishReason };
  });
  const correct = rows.filter((r) => r.correct).length;
  return {
    accuracy: rows.length === 0 ? 0 : correct / rows.length,
    n: rows.length,
    correct,
    finishedByLength: rows.filter((r) => r.finishReason === 'length').length,
    rows,
  };
}
