/**
 * Held-out evaluation of a verifiable game: greedy answers to a fixed, seeded query set, scored by
 * the game's exact verifier. The trainer runs it before and after self-play, `agon eval` on its own.
 */
import type { CausalLM, ChatFormat, Tokenizer } from '@agon/core';
import type { VerifiableGame } from '@agon/game';
import { generate } from '@agon/models';

/**
 * Options of {@link evaluate}.
 *
 * @example
 * ```ts
 * const opts: EvalOptions = { maxNewTokens: 8, microBatchSize: 64 };
 * ```
 */
export interface EvalOptions {
  /** Most answer tokens per query; an answer cut here is scored as it stands. Default 16. */
  maxNewTokens?: number;
  /** Queries decoded at once (memory vs speed). Default 32. */
  microBatchSize?: number;
  /** Prepend the tokenizer's BOS id to every prompt (when it has one). Default true. */
  bos?: boolean;
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
 * const r: EvalResult = await evaluate(model, tokenizer, chat, game, set);
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

/** The token ids of the Solver's prompt for one query. */
function solverPromptIds<Q>(game: VerifiableGame<Q>, q: Q, tokenizer: Tokenizer, chat: ChatFormat | undefined, bos: boolean): number[] {
  const messages = game.solverPrompt(q);
  // Without a chat template the model sees the user's words alone (a base model's plain prompt).
  const text = chat ? chat.render(messages, { addGenerationPrompt: true }) : messages.map((m) => m.content).join('\n');
  return tokenizer.encode(text, { bos });
}

/**
 * Accuracy of `model` on `evalSet`: one greedy answer per query (temperature 0, so the number is
 * deterministic), scored by `game.verify`. Creates no lasting tensors.
 *
 * @throws Error when a prompt plus `maxNewTokens` exceeds the model's positions (from `generate`).
 * @example
 * ```ts
 * import { loadModel } from '@agon/models';
 * import { arithmeticGame } from '@agon/game';
 * const { model, tokenizer, chat } = await loadModel('packages/trainer/assets/default-model');
 * const game = arithmeticGame({ digits: 2, ops: ['+'] });
 * const r = await evaluate(model, tokenizer, chat, game, heldOutSet(game, { size: 200, seed: 1234 }));
 * console.log(r.accuracy, r.n);
 * ```
 */
export async function evaluate<Q>(
  model: CausalLM,
  tokenizer: Tokenizer,
  chat: ChatFormat | undefined,
  game: VerifiableGame<Q>,
  evalSet: readonly Q[],
  opts: EvalOptions = {},
): Promise<EvalResult> {
  const bos = opts.bos ?? true;
  const prompts = evalSet.map((q) => solverPromptIds(game, q, tokenizer, chat, bos));
  const completions =
    prompts.length === 0
      ? []
      : await generate(model, tokenizer, prompts, {
          maxNewTokens: opts.maxNewTokens ?? 16,
          temperature: 0,
          microBatchSize: opts.microBatchSize ?? 32,
          stopIds: opts.stopIds,
        });
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
