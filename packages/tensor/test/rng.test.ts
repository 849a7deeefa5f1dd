// The sampling stream is pinned: values below come from an independent Python implementation of
// splitmix32 seeding + xoshiro128** (and the first state-[1,2,3,4] outputs are the published
// xoshiro128** reference sequence).
import { describe, expect, it } from '@jest/globals';
import { createRng, sampleCategorical, sampleLogits } from '../src/index.js';

const take = (n: number, f: () => number): number[] => Array.from({ length: n }, f);

describe('createRng', () => {
  it('yields the pinned uint32 stream for seeds 0, 42 and -1 (taken mod 2^32)', () => {
    const r0 = createRng(0), r42 = createRng(42), rm1 = createRng(-1);
    expect(take(6, r0.nextUint32)).toEqual([1789933344, 44971166, 2521387044, 3848737593, 1138324114, 749234105]);
    expect(take(6, r42.nextUint32)).toEqual([660444221, 3652823732, 77672526, 910233633, 2297337756, 3786072677]);
    expect(take(6, rm1.nextUint32)).toEqual([4104197751, 1825856343, 1152209388, 2427537429, 3685145430, 609215610]);
  });

  it('matches the xoshiro128** reference sequence from state [1, 2, 3, 4]', () => {
    const r = createRng({ state: [1, 2, 3, 4] });
    expect(take(6, r.nextUint32)).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('builds 53-bit floats in [0, 1) from two draws, exactly as pinned', () => {
    const r = createRng(42);
    expect(take(4, r.next)).toEqual([0.15377165265745885, 0.018084542542176507, 0.5348906284683476, 0.7272476959257951]);
    const many = take(10000, createRng(3).next);
    expect(Math.min(...many)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...many)).toBeLessThan(1);
    const mean = many.reduce((a, b) => a + b, 0) / many.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01); // 3.5 standard errors (σ/√n ≈ 0.0029)
  });

  it('resumes the exact stream from a saved state', () => {
    const a = createRng(9);
    take(5, a.next);
    const b = createRng({ state: a.state() });
    expect(take(8, b.nextUint32)).toEqual(take(8, a.nextUint32));
  });

  it('rejects bad seeds and states with a clear message', () => {
    expect(() => createRng(1.5)).toThrow(/seed must be an integer, got 1.5/);
    expect(() => createRng({ state: [1, 2, 3] })).toThrow(/four unsigned 32-bit integers/);
    expect(() => createRng({ state: [0, 0, 0, 0] })).toThrow(/all-zero state/);
  });
});

describe('sampleCategorical / sampleLogits', () => {
  it('draws by inverting the cumulative sum of the next uniform', () => {
    // createRng(42).next() = 0.1537…, 0.0180…, 0.5348…, 0.7272… (pinned above).
    const rng = createRng(42);
    const w = [0.1, 0.05, 0.5, 0.35];
    // 0.1537 → cum [0.1, 0.15, 0.65, 1.0] → 2; 0.0180 → 0; 0.5348 → 2; 0.7272 → 3.
    expect(take(4, () => sampleCategorical(w, rng))).toEqual([2, 0, 2, 3]);
  });

  it('follows the distribution (chi-square over 20000 draws) and never draws a zero weight', () => {
    const rng = createRng(5);
    const p = [0.5, 0, 0.3, 0.2];
    const counts = [0, 0, 0, 0];
    const n = 20000;
    for (let i = 0; i < n; i++) counts[sampleCategorical(p, rng)]++;
    expect(counts[1]).toBe(0);
    const chi2 = [0, 2, 3].reduce((s, i) => s + (counts[i] - n * p[i]) ** 2 / (n * p[i]), 0);
    expect(chi2).toBeLessThan(13.8); // p = 0.001 critical value for 2 degrees of freedom
  });

  it('samples softmax(logits / T) on the host; T = 0 is arg-max; -Infinity is never drawn', () => {
    const logits = Float32Array.from([1, -Infinity, 1 + Math.log(3)]); // softmax = [0.25, 0, 0.75]
    const rng = createRng(11);
    const counts = [0, 0, 0];
    for (let i = 0; i < 8000; i++) counts[sampleLogits(logits, rng)]++;
    expect(counts[1]).toBe(0);
    expect(Math.abs(counts[2] / 8000 - 0.75)).toBeLessThan(0.02);
    const before = createRng(1);
    const after = createRng(1);
    expect(sampleLogits([0.2, 3, 3, -1], before, 0)).toBe(1);
    expect(before.nextUint32()).toBe(after.nextUint32()); // greedy consumed no randomness
  });

  it('rejects invalid weights and logits', () => {
    const rng = createRng(1);
    expect(() => sampleCategorical([0.5, -0.1], rng)).toThrow(/weights\[1\] must be finite and >= 0, got -0.1/);
    expect(() => sampleCategorical([0, 0], rng)).toThrow(/positive sum/);
    expect(() => sampleLogits([-Infinity, -Infinity], rng)).toThrow(/every logit is -Infinity/);
    expect(() => sampleLogits([0, NaN], rng)).toThrow(/logits\[1\] is NaN/);
  });
});
