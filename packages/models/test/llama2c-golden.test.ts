// stories260K through the llama2.c loader reproduces run.c: greedy texts byte for byte, the
// prompt's token ids, and logits against an independent float64 PyTorch forward pass
// (llama2c-golden/README.md says how each golden value was produced).
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { describeEachBackend, expectNoLeaks } from '@agon/tensor/testing';
import { emptyKVCache, greedyGenerate, loadModel, STORIES_260K, type LayerKVCache, type LoadedModel } from '@agon/models';

const golden = (name: string) => new URL(`./llama2c-golden/${name}`, import.meta.url);
const expected = JSON.parse(readFileSync(golden('logits.json'), 'utf8')) as {
  input_ids: number[];
  shape: [number, number];
  logits: number[];
  top5_after_bos: [number, number][];
};

/** Largest |a − b| over all elements. */
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

async function logitsOf(loaded: LoadedModel, ids: number[]): Promise<Float32Array> {
  const x = tf.tensor2d([ids], [1, ids.length], 'int32');
  const { logits } = loaded.model.forward(x);
  const data = (await logits.data()) as Float32Array;
  x.dispose();
  logits.dispose();
  return data;
}

await describeEachBackend('stories260K (llama2.c loader)', (backend) => {
  const slow = backend === 'webgpu'; // SwiftShader: one forward pass only, no decoding
  // Each test loads its own model inside its leak check: an afterAll would run after the backend
  // helper has released the GPU backend.
  const withModel = (fn: (loaded: LoadedModel) => Promise<void>): Promise<void> =>
    expectNoLeaks(async () => {
      const loaded = await loadModel(STORIES_260K);
      try {
        await fn(loaded);
      } finally {
        loaded.model.dispose();
      }
    });

  it('logits for 8 tokens match the float64 PyTorch reference within 1e-3, top 5 after BOS too', () =>
    withModel(async (loaded) => {
      const got = await logitsOf(loaded, expected.input_ids);
      expect(maxAbsDiff(got, expected.logits)).toBeLessThan(1e-3);
      const row0 = Array.from(got.subarray(0, 512));
      const top5 = row0
        .map((v, i) => [i, v] as [number, number])
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5);
      expect(top5.map(([i]) => i)).toEqual([403, 385, 410, 317, 407]);
      top5.forEach(([, v], k) => expect(Math.abs(v - expected.top5_after_bos[k][1])).toBeLessThan(1e-3));
      // SOURCE.md's run.c values, 4 decimals.
      [17.0235, 15.4062, 13.1083, 12.7692, 12.4181].forEach((v, k) => expect(Math.abs(top5[k][1] - v)).toBeLessThan(1e-3));
    }));

  // On WebGPU every cache length compiles new shaders (seconds each on SwiftShader); the cache is
  // checked there by llama-decoder.test.ts.
  (slow ? it.skip : it)('decoding token by token with the KV cache gives the logits of one full pass', () =>
    withModel(async (loaded) => {
      const ids = expected.input_ids;
      const full = await logitsOf(loaded, ids);
      let cache: LayerKVCache = emptyKVCache();
      const rows: number[] = [];
      // Prefill 3 tokens at once, then one at a time: both cache paths are exercised.
      for (const chunk of [ids.slice(0, 3), ...ids.slice(3).map((i) => [i])]) {
        const x = tf.tensor2d([chunk], [1, chunk.length], 'int32');
        const out = loaded.model.forward(x, { cache });
        x.dispose();
        cache.dispose();
        cache = out.cache as LayerKVCache;
        rows.push(...(await out.logits.data()));
        out.logits.dispose();
      }
      expect(cache.length).toBe(ids.length);
      cache.dispose();
      expect(maxAbsDiff(rows, full)).toBeLessThan(1e-4);
    }));

  it('"Once upon a time" encodes to [1, 403, 407, 261, 378]', () =>
    withModel(async (loaded) => {
      expect(loaded.tokenizer.encode('Once upon a time', { bos: true })).toEqual([1, 403, 407, 261, 378]);
    }));

  (slow ? it.skip : it)('greedy from "Once upon a time", 64 steps, equals run.c', () =>
    withModel(async (loaded) => {
      const prompt = loaded.tokenizer.encode('Once upon a time', { bos: true });
      const ids = await greedyGenerate(loaded.model, prompt, { steps: 64, stopIds: [1] });
      expect(ids.length).toBe(65);
      expect(loaded.tokenizer.decode(ids)).toBe(readFileSync(golden('greedy64-once.txt'), 'utf8'));
    }));

  (slow ? it.skip : it)('greedy from BOS, 200 steps, equals run.c byte for byte', () =>
    withModel(async (loaded) => {
      const ids = await greedyGenerate(loaded.model, [1], { steps: 200, stopIds: [1] });
      const text = Buffer.from(loaded.tokenizer.decode(ids), 'utf8');
      expect(text.equals(readFileSync(golden('greedy200.txt')))).toBe(true);
    }));
});
