// GPT-2 against transformers in float64 (tools/hf_fixtures.py), KV cache, padding and positions, on every
// backend under test, with leak checks.
import * as tf from '@tensorflow/tfjs-core';
import { describeEachBackend, expectNoLeaks } from '@agon/tensor/testing';
import { buildGpt2, type Gpt2Model } from '../src/arch/gpt2.js';
import { readHfFolder } from '../src/hf/index.js';
import { emptyKVCache, type LayerKVCache } from '../src/kv-cache.js';
import { expectedOf, fixtureDir, worstRelativeError } from './fixtures/expected.js';

const expected = expectedOf('gpt2-tiny');

await describeEachBackend('GPT-2 forward', (backend) => {
  let model: Gpt2Model;
  let before: number;
  beforeAll(async () => {
    before = tf.memory().numTensors;
    const hf = await readHfFolder(fixtureDir('gpt2-tiny'));
    model = buildGpt2(hf.config, hf.weights, { configFile: hf.configFile });
  });
  afterAll(() => {
    model.dispose();
    expect(tf.memory().numTensors).toBe(before); // the model's variables are freed too
  });

  const ids = () => tf.tensor2d(expected.input_ids, undefined, 'int32');

  it(`matches PyTorch float64 logits within 1e-4 relative (${backend})`, () =>
    expectNoLeaks(async () => {
      const x = ids();
      const { logits, cache } = model.forward(x);
      expect(cache).toBeUndefined();
      expect(logits.shape).toEqual(expected.shape);
      expect(worstRelativeError(await logits.data(), expected.logits)).toBeLessThan(1e-4);
      tf.dispose([x, logits]);
    }));

  it(`prefill + one token at a time through the KV cache gives the same logits (${backend})`, () =>
    expectNoLeaks(async () => {
      const [B, T, V] = expected.shape;
      const x = ids();
      let cache: LayerKVCache = emptyKVCache();
      const pieces: tf.Tensor3D[] = [];
      for (const [start, len] of [[0, 5], [5, 1], [6, 1], [7, 1]]) {
        const part = tf.slice(x, [0, start], [B, len]);
        const out = model.forward(part, { cache });
        cache.dispose();
        cache = out.cache as LayerKVCache;
        expect(cache.length).toBe(start + len);
        pieces.push(out.logits);
        part.dispose();
      }
      const all = tf.concat(pieces, 1);
      expect(all.shape).toEqual([B, T, V]);
      expect(worstRelativeError(await all.data(), expected.logits)).toBeLessThan(1e-4);
      tf.dispose([x, all, ...pieces]);
      cache.dispose();
    }));

  it(`left padding with mask + positions reproduces the unpadded row (${backend})`, () =>
    expectNoLeaks(async () => {
      const [, T, V] = expected.shape;
      const row = expected.input_ids[1];
      // Row 0: 3 pad tokens then the first T-3 ids of row 1; positions restart at 0 after the pads.
      const x = tf.tensor2d([[0, 0, 0, ...row.slice(0, T - 3)], row.slice(0, T)], undefined, 'int32');
      const mask = tf.tensor2d([[0, 0, 0, ...Array(T - 3).fill(1)], Array(T).fill(1)], undefined, 'float32');
      const positions = tf.tensor2d([[0, 0, 0, ...Array.from({ length: T - 3 }, (_, i) => i)], Array.from({ length: T }, (_, i) => i)], undefined, 'int32');
      const { logits } = model.forward(x, { mask, positions });
      const data = await logits.data();
      const padded = data.slice(3 * V, T * V); // row 0, positions 3..T-1
      const want = expected.logits.slice(1 * T * V, 1 * T * V + (T - 3) * V); // row 1, positions 0..T-4
      expect(worstRelativeError(padded, want)).toBeLessThan(1e-4);
      tf.dispose([x, mask, positions, logits]);
    }));
});
