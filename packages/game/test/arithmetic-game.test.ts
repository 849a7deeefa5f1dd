import { isInvalid } from '@agon/core';
import { arithmeticGame, lspGame, reverseGame, sortGame, type ArithmeticQuery } from '@agon/game';

const reason = (x: unknown) => (isInvalid(x) ? x.reason : `valid: ${JSON.stringify(x)}`);

describe('arithmeticGame', () => {
  const game = arithmeticGame({ digits: 3 });

  it('parses a filled template into operands and operator', () => {
    expect(game.parseQuery('[Start Generation]\n347 * 29\n[End Generation]')).toEqual({ a: '347', op: '*', b: '29' });
    expect(game.parseQuery('What is 12 x 5?')).toEqual({ a: '12', op: '*', b: '5' });
    expect(game.parseQuery('100 - 999 = ?')).toEqual({ a: '100', op: '-', b: '999' });
  });

  it.each([
    ['empty', '[Start Generation][End Generation]', 'empty query'],
    ['unfilled', '{a} {op} {b}', 'template placeholder {a} was left unfilled'],
    ['leaks the result', '12 + 30 = 42', 'query contains its own result after "="'],
    ['not a problem', 'add twelve and thirty', 'query "add twelve and thirty" is not of the form "a op b" with whole numbers a, b'],
    ['too many digits', '1234 + 5', 'operand 1234 has 4 digits; at most 3 allowed (digits)'],
    ['leading zero', '012 + 5', 'operand 012 has a leading zero'],
    ['three operands', '1 + 2 + 3', 'query "1 + 2 + 3" is not of the form "a op b" with whole numbers a, b'],
  ])('rejects a query that is %s', (_name, text, why) => {
    expect(reason(game.parseQuery(text))).toBe(why);
  });

  it('rejects operators that the game does not allow', () => {
    expect(reason(arithmeticGame({ ops: ['+'] }).parseQuery('3 * 4'))).toBe('operator * is not allowed in this game (ops: +)');
  });

  it('verifies exactly, reading the last integer of the answer', () => {
    const q: ArithmeticQuery = { a: '347', op: '*', b: '29' };
    expect(game.referenceAnswer(q)).toBe('10063');
    expect(game.verify(q, '10063')).toBe(1);
    expect(game.verify(q, '347 * 29 = 10063.')).toBe(1);
    expect(game.verify(q, '10064')).toBe(0);
    expect(game.verify(q, '10063 or maybe 10064')).toBe(0);
    expect(game.verify(q, 'I do not know')).toBe(0);
    const sub: ArithmeticQuery = { a: '12', op: '-', b: '30' };
    expect(game.verify(sub, 'The result is -18')).toBe(1);
    expect(game.verify(sub, '18')).toBe(0);
  });

  it('stays exact beyond 2^53 (30-digit operands)', () => {
    const big = arithmeticGame({ digits: 30 });
    const nines = '9'.repeat(30);
    const q = big.parseQuery(`${nines} * ${nines}`) as ArithmeticQuery;
    // (10^30 - 1)^2 = 10^60 - 2·10^30 + 1
    const expected = '9'.repeat(29) + '8' + '0'.repeat(29) + '1';
    expect(big.referenceAnswer(q)).toBe(expected);
    expect(big.verify(q, expected)).toBe(1);
    expect(big.verify(q, String(Number(nines) * Number(nines)))).toBe(0);
  });

  it('builds a seeded held-out set: reproducible, distinct, valid, within the difficulty', () => {
    const a = game.evalSet({ size: 50, seed: 1 });
    expect(game.evalSet({ size: 50, seed: 1 })).toEqual(a);
    expect(game.evalSet({ size: 50, seed: 2 })).not.toEqual(a);
    expect(new Set(a.map(game.formatQuery)).size).toBe(50);
    for (const q of a) {
      expect(game.parseQuery(game.formatQuery(q))).toEqual(q); // every item passes the validity check
      // Independent reference: plain Number arithmetic is exact at 3 digits.
      const x = Number(q.a);
      const y = Number(q.b);
      const want = q.op === '+' ? x + y : q.op === '-' ? x - y : x * y;
      expect(game.referenceAnswer(q)).toBe(String(want));
    }
    expect(new Set(a.map((q) => q.op))).toEqual(new Set(['+', '-', '*']));
    expect(Math.max(...a.flatMap((q) => [q.a.length, q.b.length]))).toBe(3);
  });

  it('puts the difficulty in the challenger prompt and the number-only request in the solver prompt', () => {
    expect(arithmeticGame({ digits: 5 }).challengerPrompt()[0].content).toContain('at most 5 digits');
    expect(game.solverPrompt({ a: '2', op: '+', b: '3' })).toEqual([
      { role: 'user', content: 'What is 2 + 3?\nReply with the number only.' },
    ]);
  });

  it('rejects bad options clearly', () => {
    expect(() => arithmeticGame({ digits: 0 })).toThrow('arithmetic: option digits must be an integer in 1..30, got 0');
    expect(() => arithmeticGame({ ops: [] })).toThrow(/option ops must be a non-empty list drawn from/);
    // A JSON config can hold anything: a bare string, a misspelt option.
    expect(() => arithmeticGame({ ops: '+' } as never)).toThrow(`arithmetic: option ops must be a non-empty list drawn from ['+', '-', '*'] (e.g. ["+"]), got "+"`);
    expect(() => arithmeticGame({ digitz: 2 } as never)).toThrow("arithmetic: unknown option 'digitz'; options: digits, ops, maxChars");
    expect(() => sortGame({ lenght: 3 } as never)).toThrow("sort: unknown option 'lenght'; options: length, maxValue, maxChars");
    expect(() => reverseGame([] as never)).toThrow('reverse: options must be an object, got []');
    expect(() => lspGame({ maxchars: 10 } as never)).toThrow("lsp: unknown option 'maxchars'; options: task, template, maxChars, leakPatterns");
  });
});
