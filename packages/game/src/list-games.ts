import type { ChatMessage, Invalid } from '@agon/core';
import { extractQuery } from './extract-query.js';
import { challengerMessages, solverMessages } from './lsp-prompt.js';
import { checkKnob, distinctSet, seededUniform, uniformInt, type VerifiableGame } from './verifiable.js';
import { checkOptionNames } from './options.js';

/**
 * Options of {@link sortGame} and {@link reverseGame}.
 *
 * @example
 * ```ts
 * const opts: ListGameOptions = { length: 8, maxValue: 999 };
 * ```
 */
export interface ListGameOptions {
  /** Difficulty knob: most numbers in a list, 2..100. Default 5. */
  length?: number;
  /** Largest number allowed in a list (numbers are whole, 0..maxValue). Default 99. */
  maxValue?: number;
  /** Longest challenger query, in characters. Default 600. */
  maxChars?: number;
}

/** What distinguishes the list games: the transformation and how it is described. */
interface ListTask {
  name: string;
  verb: string;
  /** Past participle of `verb` ("sorted", "reversed"). */
  done: string;
  transform(xs: readonly number[]): number[];
}

const LIST = /^\[?\s*(\d+(?:(?:\s*[,;]\s*|\s+)\d+)*)\s*\]?\.?$/;

function listGame(t: ListTask, options: ListGameOptions): VerifiableGame<number[]> {
  checkOptionNames(t.name, options, ['length', 'maxValue', 'maxChars']);
  const length = options.length ?? 5;
  const maxValue = options.maxValue ?? 99;
  const maxChars = options.maxChars ?? 600;
  checkKnob(t.name, 'length', length, 2, 100);
  checkKnob(t.name, 'maxValue', maxValue, 1, Number.MAX_SAFE_INTEGER);
  const template = '{numbers}';
  const task = `Write a list of 2 to ${length} whole numbers between 0 and ${maxValue}, separated by commas, for another agent to ${t.verb}. Do not write the ${t.done} list.`;
  const format = (xs: readonly number[]) => xs.join(', ');
  const bad = (reason: string): Invalid => ({ invalid: true, reason });

  const parseQuery = (text: string): number[] | Invalid => {
    const body = extractQuery(text, { maxChars, template });
    if (typeof body !== 'string') return body;
    const m = LIST.exec(body);
    if (!m) return bad(`query "${body}" is not a list of whole numbers separated by commas`);
    const xs = m[1].split(/[,;\s]+/).map(Number);
    if (xs.length < 2 || xs.length > length) return bad(`list has ${xs.length} numbers; expected 2..${length} (length)`);
    const big = xs.find((x) => !Number.isSafeInteger(x) || x > maxValue);
    if (big !== undefined) return bad(`number ${big} is above maxValue ${maxValue}`);
    // A list already in its answer's order is the rule-based form of "the query leaks its answer".
    if (format(t.transform(xs)) === format(xs)) return bad(`list is already ${t.done}: the query gives its answer away`);
    return xs;
  };

  return {
    name: t.name,
    challengerPrompt: (): ChatMessage[] => challengerMessages({ task, template }),
    parseQuery,
    solverPrompt: (xs) =>
      solverMessages(`${t.verb[0].toUpperCase()}${t.verb.slice(1)} this list: ${format(xs)}`, 'Reply with the numbers only, separated by commas.'),
    formatQuery: format,
    referenceAnswer: (xs) => format(t.transform(xs)),
    // Exact: the integers of the answer, in order, must be the expected list and nothing else.
    verify: (xs, answer) => ((answer.match(/\d+/g) ?? []).join(',') === t.transform(xs).join(',') ? 1 : 0),
    evalSet: ({ size, seed }) => {
      const next = seededUniform(seed);
      const draw = () => {
        for (;;) {
          const n = uniformInt(next, 2, length);
          const xs = Array.from({ length: n }, () => uniformInt(next, 0, maxValue));
          if (format(t.transform(xs)) !== format(xs)) return xs; // same validity rule as parseQuery
        }
      };
      return distinctSet(size, draw, format, t.name);
    },
  };
}

/**
 * Sorting: the Challenger writes a list of whole numbers, the Solver must return it in ascending
 * order. An already-sorted list is Invalid (it contains its answer).
 *
 * @example
 * ```ts
 * const game = sortGame({ length: 5 });
 * game.verify([3, 1, 2], '1, 2, 3'); // 1
 * ```
 */
export function sortGame(options: ListGameOptions = {}): VerifiableGame<number[]> {
  return listGame({ name: 'sort', verb: 'sort', done: 'sorted', transform: (xs) => [...xs].sort((a, b) => a - b) }, options);
}

/**
 * Reversing: the Solver must return the list in reverse order. A palindrome is Invalid (it
 * contains its answer).
 *
 * @example
 * ```ts
 * const game = reverseGame({ length: 6 });
 * game.verify([1, 2, 3], '3, 2, 1'); // 1
 * ```
 */
export function reverseGame(options: ListGameOptions = {}): VerifiableGame<number[]> {
  return listGame({ name: 'reverse', verb: 'reverse', done: 'reversed', transform: (xs) => [...xs].reverse() }, options);
}
