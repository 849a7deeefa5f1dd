import type { ChatMessage, Invalid } from '@agon/core';
import { extractQuery } from '../extract-query.js';
import type { VerifiableGame } from '../verifiable.js';

/**
 * One scripted problem: the query text the Challenger is expected to write and its exact answer.
 *
 * @example
 * ```ts
 * const p: ScriptedProblem = { query: '2+2', answer: '4' };
 * ```
 */
export interface ScriptedProblem {
  query: string;
  answer: string;
}

/**
 * A verifiable game defined by a table, for tests that need a game but no model or real task:
 * a query is valid only when it is one of the table's queries (after marker stripping), and an
 * answer is right when, trimmed, it equals the table's answer. `evalSet` returns the table rows
 * in a seeded order.
 *
 * @example
 * ```ts
 * import { scriptedGame } from '@agon/game/testing';
 * const game = scriptedGame([{ query: '2+2', answer: '4' }]);
 * game.verify(game.parseQuery('2+2') as string, ' 4 '); // 1
 * ```
 */
export function scriptedGame(problems: readonly ScriptedProblem[], name = 'scripted'): VerifiableGame<string> {
  if (problems.length === 0) throw new Error('scriptedGame: problems must hold at least one { query, answer } row');
  const answers = new Map(problems.map((p) => [p.query, p.answer]));
  const answerOf = (q: string): string => {
    const a = answers.get(q);
    if (a === undefined) throw new Error(`scriptedGame: "${q}" is not one of the scripted queries`);
    return a;
  };
  return {
    name,
    challengerPrompt: (): ChatMessage[] => [{ role: 'user', content: 'Write one of the scripted queries.' }],
    parseQuery: (text: string): string | Invalid => {
      const q = extractQuery(text);
      if (typeof q !== 'string') return q;
      return answers.has(q) ? q : { invalid: true, reason: `"${q}" is not one of the scripted queries` };
    },
    solverPrompt: (q: string): ChatMessage[] => [{ role: 'user', content: q }],
    formatQuery: (q) => q,
    referenceAnswer: answerOf,
    verify: (q, answer) => (answer.trim() === answerOf(q) ? 1 : 0),
    evalSet: ({ size, seed }) => {
      if (size > problems.length) throw new Error(`scriptedGame.evalSet: asked for ${size} queries but only ${problems.length} are scripted`);
      // Rotate by the seed so different seeds give different (but reproducible) orders.
      const start = Math.abs(Math.trunc(seed)) % problems.length;
      return [...problems.slice(start), ...problems.slice(0, start)].slice(0, size).map((p) => p.query);
    },
  };
}
