// Bounded memory for scoring: pairs are scored in micro-batches, so the peak of
// tensor bytes (tf.profile) stays flat as the number of pairs grows; one big batch would not.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agon/tensor';
import { loadRewardModel, type RewardModel } from '@agon/models';
import { fixtureDir } from './fixtures/expected.js';

describe('reward scoring: bounded memory', () => {
  let rm4: RewardModel;
  let rm16: RewardModel;
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    rm4 = await loadRewardModel(fixtureDir('qwen3-seqcls'), { microBatchSize: 4 });
    rm16 = await loadRewardModel(fixtureDir('qwen3-seqcls'), { microBatchSize: 16 });
  });
  afterAll(() => {
    rm4.dispose();
    rm16.dispose();
  });

  const pair = { query: 'once upon a time there was a cat', answer: 'the cat sat on the mat, then the cat ran !' };
  const peak = async (rm: RewardModel, n: number) => {
    const before = tf.memory().numTensors;
    const info = await tf.profile(async () => {
      const scores = await rm.score(Array.from({ length: n }, () => pair));
      expect(scores).toHaveLength(n);
    });
    expect(tf.memory().numTensors).toBe(before);
    return info.peakBytes - tf.memory().numBytes;
  };

  it('peak tensor bytes stay flat from 4 to 32 pairs with micro-batches of 4', async () => {
    const small = await peak(rm4, 4);
    const large = await peak(rm4, 32);
    console.log(`scoring peak bytes, micro-batches of 4: 4 pairs ${small}, 32 pairs ${large}`);
    expect(large).toBeLessThanOrEqual(small * 1.05);
    // The measurement is sensitive: 16 pairs in one micro-batch need several times more.
    expect(await peak(rm16, 16)).toBeGreaterThan(small * 2);
  });

  it('micro-batch size does not change the scores', async () => {
    const pairs = ['a cat', 'the mat', 'once upon a time there was a cat .', 'ran'].map((answer) => ({ query: 'what sat on the mat?', answer }));
    const a = await rm4.score(pairs);
    const b = await rm16.score(pairs);
    a.forEach((x, i) => expect(Math.abs(x - b[i])).toBeLessThan(1e-5 * Math.max(1, Math.abs(x))));
  });
});
