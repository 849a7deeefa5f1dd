import { challengerAdvantagesLsp, challengerAdvantagesZero, queryDiversity, repeatClusters, repeatPenalty, similarQueries } from '@agon/objectives';

/** Full O(n·m) Levenshtein distance: the independent reference for the banded one. */
function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  }
  return d[a.length][b.length];
}

/** mulberry32: a seeded stream, so the random cases are the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('similarQueries', () => {
  it('treats case and runs of whitespace as the same text', () => {
    expect(similarQueries('What is  12 + 34?', 'what is 12 + 34? ', 1)).toBe(true);
    expect(similarQueries('12 + 34', '12 + 35', 1)).toBe(false);
  });

  it('accepts a near-duplicate exactly when 1 − distance / longer length reaches the threshold', () => {
    // One substitution in 7 characters: similarity 6/7 ≈ 0.857.
    expect(similarQueries('12 + 34', '12 + 35', 0.85)).toBe(true);
    expect(similarQueries('12 + 34', '12 + 35', 0.86)).toBe(false);
    // An insertion counts one edit against the longer length (8): 7/8.
    expect(similarQueries('12 + 34', '12 + 345', 0.875)).toBe(true);
    expect(similarQueries('12 + 34', '12 + 345', 0.876)).toBe(false);
  });

  it('agrees with a full Levenshtein distance on 2000 random pairs', () => {
    const next = rng(7);
    const alphabet = 'ab c';
    const word = () => Array.from({ length: Math.floor(next() * 14) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
    for (let k = 0; k < 2000; k++) {
      // Words without leading/trailing or doubled spaces, so normalisation leaves them as they are.
      const a = word().replace(/\s+/g, ' ').trim();
      const b = word().replace(/\s+/g, ' ').trim();
      const s = [0.5, 0.7, 0.8, 0.9, 1][k % 5];
      const longer = Math.max(a.length, b.length);
      const expected = longer === 0 || 1 - levenshtein(a, b) / longer >= s - 1e-9;
      expect(similarQueries(a, b, s)).toBe(expected);
    }
  });
});

describe('repeatClusters and repeatPenalty', () => {
  it('clusters exact repeats and gives unique queries no penalty', () => {
    const qs = ['1 + 2', '1 + 2', '7 + 8', '1 + 2'];
    expect(repeatClusters(qs, { similarity: 1 })).toEqual([0, 0, 2, 0]);
    expect(repeatPenalty(qs, { similarity: 1 })).toEqual([2 / 3, 2 / 3, 0, 2 / 3]);
  });

  it('links near-duplicates by single linkage (a chain is one cluster)', () => {
    // a~b and b~c at 0.8 (one edit in 5), a and c two edits apart (0.6): still one cluster.
    const qs = ['11+22', '11+23', '11+33', '95+67'];
    expect(similarQueries(qs[0], qs[2], 0.8)).toBe(false);
    expect(repeatClusters(qs, { similarity: 0.8 })).toEqual([0, 0, 0, 3]);
    expect(repeatPenalty(qs, { similarity: 0.8 })).toEqual([2 / 3, 2 / 3, 2 / 3, 0]);
    expect(repeatPenalty(qs, { similarity: 1 })).toEqual([0, 0, 0, 0]);
  });

  it('gives 1 to a batch of copies, 0 to a batch of one, and rejects a similarity outside (0, 1]', () => {
    expect(repeatPenalty(['x', 'x', 'x'], { similarity: 1 })).toEqual([1, 1, 1]);
    expect(repeatPenalty(['x'], { similarity: 1 })).toEqual([0]);
    expect(repeatPenalty([], { similarity: 1 })).toEqual([]);
    expect(() => repeatPenalty(['x'], { similarity: 0 })).toThrow(/similarity must be in \(0, 1\]/);
    expect(() => repeatPenalty(['x'], { similarity: 1.5 })).toThrow(/similarity must be in \(0, 1\]/);
  });
});

describe('queryDiversity', () => {
  it('counts distinct queries and the share of the most frequent one', () => {
    expect(queryDiversity(['1 + 2', '1 + 2', '7 + 8', '1  + 2'])).toEqual({ distinct: 0.5, topShare: 0.75 });
    expect(queryDiversity(['a', 'b', 'c', 'd'])).toEqual({ distinct: 1, topShare: 0.25 });
    const empty = queryDiversity([]);
    expect(empty.distinct).toBeNaN();
    expect(empty.topShare).toBeNaN();
  });
});

describe('Challenger advantages with a penalty', () => {
  it('subtracts the penalty from each reward (invalid queries too) before the batch baseline, by hand', () => {
    const R = [[1, 0], [1, 1], [], [0, 0]];
    const penalty = [0.5, 0, 0.5, 0];
    const c = challengerAdvantagesZero(R, { invalidReward: -1, penalty });
    // −V − p: [−0.5 − 0.5, −1, −1 − 0.5, 0] → baseline −3.5/4 = −0.875.
    expect(c.rewards.map((r) => r + 0)).toEqual([-1, -1, -1.5, 0]); // + 0 turns −0 into 0
    expect(c.baseline).toBe(-0.875);
    expect(c.advantages).toEqual([-0.125, -0.125, -0.625, 0.875]);
    const l = challengerAdvantagesLsp([[1, 0]], [[4, 2]], { qualityWeight: 0.5, penalty: [0.25] });
    expect(l.rewards).toEqual([-0.5 + 1.5 - 0.25]);
  });

  it('rejects a penalty of the wrong length or with a non-finite entry', () => {
    expect(() => challengerAdvantagesZero([[1, 0]], { penalty: [0, 1] })).toThrow(/options\.penalty must hold one finite number per query \(1\)/);
    expect(() => challengerAdvantagesZero([[1, 0]], { penalty: [Number.NaN] })).toThrow(/options\.penalty/);
  });
});
