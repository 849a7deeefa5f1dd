// The sampling distribution's filters, checked against numbers worked out by hand.
import { logProbOf, samplingProbs } from '../src/sampling/distribution.js';
import { checkStop } from '../src/sampling/stopping.js';

const logits = Float64Array.from([Math.log(0.5), Math.log(0.3), Math.log(0.15), Math.log(0.05)]);
const close = (a: ArrayLike<number>, b: number[]) => b.forEach((x, i) => expect(a[i]).toBeCloseTo(x, 12));

describe('samplingProbs', () => {
  it('is the softmax at temperature 1', () => {
    close(samplingProbs(logits, {})!, [0.5, 0.3, 0.15, 0.05]);
  });

  it('sharpens with temperature: p_i^(1/T) normalised', () => {
    const z = 0.25 + 0.09 + 0.0225 + 0.0025; // T = 0.5 squares the probabilities
    close(samplingProbs(logits, { temperature: 0.5 })!, [0.25 / z, 0.09 / z, 0.0225 / z, 0.0025 / z]);
  });

  it('top-k keeps the k most likely, renormalised', () => {
    close(samplingProbs(logits, { topK: 2 })!, [0.5 / 0.8, 0.3 / 0.8, 0, 0]);
  });

  it('top-p keeps the smallest prefix reaching p (0.75 -> two tokens, 0.85 -> three)', () => {
    close(samplingProbs(logits, { topP: 0.75 })!, [0.5 / 0.8, 0.3 / 0.8, 0, 0]);
    close(samplingProbs(logits, { topP: 0.85 })!, [0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0]);
  });

  it('top-p after top-k measures mass among the top-k survivors', () => {
    // top-k 3 renormalises to [0.5, 0.3, 0.15] / 0.95; p = 0.8 needs 0.5/0.95 + 0.3/0.95 = 0.842 >= 0.8.
    close(samplingProbs(logits, { topK: 3, topP: 0.8 })!, [0.5 / 0.8, 0.3 / 0.8, 0, 0]);
  });

  it('min-p drops tokens below minP x the top probability', () => {
    // 0.25 x 0.5 = 0.125: 0.15 survives, 0.05 goes.
    close(samplingProbs(logits, { minP: 0.25 })!, [0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0]);
  });

  it('is null (greedy) at temperature 0', () => {
    expect(samplingProbs(logits, { temperature: 0 })).toBeNull();
  });
});

describe('logProbOf', () => {
  it('equals log softmax in float64, even for large logits', () => {
    expect(logProbOf(logits, 1)).toBeCloseTo(Math.log(0.3), 6);
    expect(logProbOf(Float32Array.from([1000, 1000]), 0)).toBeCloseTo(Math.log(0.5), 12);
  });
});

describe('checkStop', () => {
  const base = { stopIds: new Set([2]), stopStrings: ['###', '\n\n'], maxNewTokens: 4 };

  it('stops on a stop id, keeping the text', () => {
    expect(checkStop({ ...base, lastId: 2, count: 1, text: 'hi' })).toEqual({ finish: 'stop', text: 'hi' });
  });

  it('stops on the earliest stop string and cuts the text before it', () => {
    expect(checkStop({ ...base, lastId: 7, count: 2, text: 'a\n\nb###' })).toEqual({ finish: 'stop', text: 'a' });
  });

  it('ends with length at maxNewTokens, and goes on before it', () => {
    expect(checkStop({ ...base, lastId: 7, count: 4, text: 'abcd' })).toEqual({ finish: 'length', text: 'abcd' });
    expect(checkStop({ ...base, lastId: 7, count: 3, text: 'abc' })).toEqual({ finish: null, text: 'abc' });
  });
});
