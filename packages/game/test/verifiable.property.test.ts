// Properties of every built-in verifiable game over random seeds and difficulties (fast-check):
// the held-out set passes the game's own validity check, the reference answer verifies, and a
// changed answer does not.
import fc from 'fast-check';
import { arithmeticGame, reverseGame, sortGame } from '@agon/game';

describe('verifiable game properties', () => {
  it('arithmetic: held-out queries are valid, within digits, and exactly verified', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 2 ** 31 }), (digits, seed) => {
        const game = arithmeticGame({ digits });
        for (const q of game.evalSet({ size: 5, seed })) {
          expect(game.parseQuery(`[Start Generation]${game.formatQuery(q)}[End Generation]`)).toEqual(q);
          const ref = game.referenceAnswer(q);
          expect(game.verify(q, ref)).toBe(1);
          expect(game.verify(q, `The result is ${ref}.`)).toBe(1);
          expect(game.verify(q, (BigInt(ref) + 1n).toString())).toBe(0);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('sort and reverse: held-out lists are valid and only the transformed list verifies', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 9, max: 1000 }), fc.integer({ min: 0, max: 2 ** 31 }), (length, maxValue, seed) => {
        for (const game of [sortGame({ length, maxValue }), reverseGame({ length, maxValue })]) {
          for (const xs of game.evalSet({ size: 5, seed })) {
            expect(game.parseQuery(game.formatQuery(xs))).toEqual(xs);
            expect(game.verify(xs, game.referenceAnswer(xs))).toBe(1);
            expect(game.verify(xs, game.formatQuery(xs))).toBe(0); // the input itself is never the answer
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});
