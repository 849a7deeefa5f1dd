import { isInvalid } from '@agon/core';
import { reverseGame, sortGame } from '@agon/game';

const reason = (x: unknown) => (isInvalid(x) ? x.reason : `valid: ${JSON.stringify(x)}`);

describe('sortGame', () => {
  const game = sortGame({ length: 5, maxValue: 99 });

  it('parses lists in the usual spellings', () => {
    expect(game.parseQuery('[Start Generation]5, 3, 9[End Generation]')).toEqual([5, 3, 9]);
    expect(game.parseQuery('[5 3 9 1]')).toEqual([5, 3, 9, 1]);
    expect(game.parseQuery('5;3')).toEqual([5, 3]);
  });

  it.each([
    ['one number', '5', 'list has 1 numbers; expected 2..5 (length)'],
    ['too long', '6,5,4,3,2,1', 'list has 6 numbers; expected 2..5 (length)'],
    ['above maxValue', '5, 300', 'number 300 is above maxValue 99'],
    ['already sorted (leaks its answer)', '1, 2, 2, 7', 'list is already sorted: the query gives its answer away'],
    ['not a list', 'sort 5 and 3', 'query "sort 5 and 3" is not a list of whole numbers separated by commas'],
    ['negative numbers', '5, -3', 'query "5, -3" is not a list of whole numbers separated by commas'],
    ['unfilled', '{numbers}', 'template placeholder {numbers} was left unfilled'],
  ])('rejects %s', (_n, text, why) => {
    expect(reason(game.parseQuery(text))).toBe(why);
  });

  it('verifies exactly', () => {
    expect(game.referenceAnswer([10, 9, 100 - 99])).toBe('1, 9, 10'); // numeric, not string, order
    expect(game.verify([10, 9, 1], '1, 9, 10')).toBe(1);
    expect(game.verify([10, 9, 1], '[1 9 10]')).toBe(1);
    expect(game.verify([10, 9, 1], '1, 10, 9')).toBe(0);
    expect(game.verify([10, 9, 1], '1, 9, 10, 11')).toBe(0);
    expect(game.verify([10, 9, 1], '1, 9')).toBe(0);
    expect(game.verify([10, 9, 1], '')).toBe(0);
  });

  it('builds a seeded held-out set of valid, distinct lists within the difficulty', () => {
    const a = game.evalSet({ size: 40, seed: 11 });
    expect(game.evalSet({ size: 40, seed: 11 })).toEqual(a);
    expect(game.evalSet({ size: 40, seed: 12 })).not.toEqual(a);
    expect(new Set(a.map(game.formatQuery)).size).toBe(40);
    for (const xs of a) {
      expect(game.parseQuery(game.formatQuery(xs))).toEqual(xs);
      expect(xs.length).toBeLessThanOrEqual(5);
      const sorted = [...xs].sort((p, q) => p - q);
      expect(game.verify(xs, sorted.join(' '))).toBe(1);
    }
  });

  it('fails clearly when the held-out space is too small', () => {
    // Lists of 2 numbers from 0..1 that are not sorted: only [1, 0].
    expect(() => sortGame({ length: 2, maxValue: 1 }).evalSet({ size: 2, seed: 0 })).toThrow(
      'sort.evalSet: could only draw 1 distinct queries of 2; raise the difficulty or ask for fewer',
    );
  });
});

describe('reverseGame', () => {
  const game = reverseGame({ length: 4 });

  it('verifies the reversed list and rejects palindromes', () => {
    expect(game.parseQuery('1, 2, 3')).toEqual([1, 2, 3]);
    expect(game.referenceAnswer([1, 2, 3])).toBe('3, 2, 1');
    expect(game.verify([1, 2, 3], '3, 2, 1')).toBe(1);
    expect(game.verify([1, 2, 3], '1, 2, 3')).toBe(0);
    expect(reason(game.parseQuery('4, 7, 4'))).toBe('list is already reversed: the query gives its answer away');
    expect(game.solverPrompt([1, 2])).toEqual([
      { role: 'user', content: 'Reverse this list: 1, 2\nReply with the numbers only, separated by commas.' },
    ]);
    expect(game.challengerPrompt()[0].content).toContain('2 to 4 whole numbers');
  });

  it('builds a seeded held-out set without palindromes', () => {
    const a = game.evalSet({ size: 30, seed: 5 });
    expect(a).toEqual(game.evalSet({ size: 30, seed: 5 }));
    for (const xs of a) expect(game.parseQuery(xs.join(','))).toEqual(xs);
  });
});
