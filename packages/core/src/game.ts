import type { ChatMessage } from './chat.js';

/**
 * A rejected challenger output, with the reason it was rejected.
 *
 * @example
 * ```ts
 * const bad: Invalid = { invalid: true, reason: 'empty query' };
 * ```
 */
export interface Invalid {
  readonly invalid: true;
  readonly reason: string;
}

/**
 * True when `x` is an {@link Invalid}.
 *
 * @example
 * ```ts
 * const q = game.parseQuery(text);
 * if (isInvalid(q)) console.warn(q.reason);
 * ```
 */
export function isInvalid(x: unknown): x is Invalid {
  return typeof x === 'object' && x !== null && (x as { invalid?: unknown }).invalid === true;
}

/**
 * The protocol of one self-play game: what the Challenger is asked, how its query is read, what
 * the Solver is asked.
 *
 * @example
 * ```ts
 * const echo: Game = {
 *   challengerPrompt: () => [{ role: 'user', content: 'Write a word.' }],
 *   parseQuery: (t) => (t.trim() ? t.trim() : { invalid: true, reason: 'empty query' }),
 *   solverPrompt: (q) => [{ role: 'user', content: `Repeat: ${q}` }],
 * };
 * ```
 */
export interface Game<Q = string> {
  /** Name used in configs and logs. */
  readonly name?: string;
  challengerPrompt(): ChatMessage[];
  parseQuery(text: string): Q | Invalid;
  solverPrompt(query: Q): ChatMessage[];
}
