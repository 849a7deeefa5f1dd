import { isInvalid } from '@agon/core';
import { scriptedGame } from '@agon/game/testing';

describe('scriptedGame', () => {
  const game = scriptedGame([
    { query: '2+2', answer: '4' },
    { query: 'capital of France', answer: 'Paris' },
    { query: '3*3', answer: '9' },
  ]);

  it('accepts only scripted queries and verifies their answers', () => {
    expect(game.parseQuery('[Start Generation] 2+2 [End Generation]')).toBe('2+2');
    const q = game.parseQuery('2+3');
    expect(isInvalid(q) && q.reason).toBe('"2+3" is not one of the scripted queries');
    expect(game.verify('capital of France', ' Paris\n')).toBe(1);
    expect(game.verify('capital of France', 'paris')).toBe(0);
    expect(game.referenceAnswer('3*3')).toBe('9');
    expect(() => game.verify('nope', '1')).toThrow('scriptedGame: "nope" is not one of the scripted queries');
  });

  it('gives a reproducible evaluation order per seed', () => {
    expect(game.evalSet({ size: 3, seed: 1 })).toEqual(['capital of France', '3*3', '2+2']);
    expect(game.evalSet({ size: 2, seed: 0 })).toEqual(['2+2', 'capital of France']);
    expect(() => game.evalSet({ size: 4, seed: 0 })).toThrow('only 3 are scripted');
  });
});
