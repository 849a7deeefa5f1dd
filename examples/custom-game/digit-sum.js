// A verifiable game of our own: the Challenger writes a whole number, the Solver answers the sum of
// its digits. agon loads it from the recipe's "game": { "module": "./digit-sum.js" }.
import { challengerMessages, extractQuery, solverMessages } from '@agon/game';

const TEMPLATE = '{number}';

export function createGame({ digits = 3 } = {}) {
  if (!Number.isInteger(digits) || digits < 1 || digits > 12) {
    throw new Error(`digit-sum: option digits must be an integer in 1..12, got ${JSON.stringify(digits)}`);
  }
  const digitSum = (n) => [...n].reduce((sum, d) => sum + Number(d), 0);
  return {
    name: 'digit-sum',
    challengerPrompt: () => challengerMessages({ task: `Write one whole number with at most ${digits} digits.`, template: TEMPLATE }),
    parseQuery: (text) => {
      const body = extractQuery(text, { maxChars: 40, template: TEMPLATE });
      if (typeof body !== 'string') return body; // already { invalid: true, reason }
      if (!/^\d+$/.test(body)) return { invalid: true, reason: `"${body}" is not a whole number` };
      if (body.length > digits) return { invalid: true, reason: `${body} has more than ${digits} digits` };
      return body;
    },
    solverPrompt: (n) => solverMessages(`What is the sum of the digits of ${n}?`, 'Reply with the number only.'),
    // With these, agon gives the game its exact verifier reward and a held-out evaluation set.
    formatQuery: (n) => n,
    referenceAnswer: (n) => String(digitSum(n)),
    verify: (n, answer) => (answer.match(/\d+/g)?.at(-1) === String(digitSum(n)) ? 1 : 0),
    evalSet: ({ size, seed }) => {
      if (size > 10 ** digits) throw new Error(`digit-sum: there are only ${10 ** digits} numbers of at most ${digits} digits`);
      const numbers = new Set();
      for (let x = seed >>> 0; numbers.size < size; ) {
        x = (Math.imul(x, 1664525) + 1013904223) >>> 0; // a linear congruential generator
        numbers.add(String(x % 10 ** digits));
      }
      return [...numbers];
    },
  };
}
