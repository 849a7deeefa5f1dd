import { isInvalid } from '@agon/core';

describe('isInvalid', () => {
  it('recognises an Invalid and nothing else', () => {
    expect(isInvalid({ invalid: true, reason: 'empty query' })).toBe(true);
    expect(isInvalid({ invalid: false, reason: 'x' })).toBe(false);
    expect(isInvalid('a query')).toBe(false);
    expect(isInvalid(null)).toBe(false);
    expect(isInvalid({ reason: 'no flag' })).toBe(false);
  });
});
