// The whole HF path through the one entry point: loadModel(dir) on every fixture folder gives a
// model whose logits match transformers' float64 forward (within 1e-4 relative), a tokenizer whose
// ids match transformers' (tools/hf_fixtures.py), the chat template and the eos ids; greedy decoding
// with the KV cache equals argmax over full (no-cache) forward passes. cpu + wasm (+ webgpu in CI).
import * as tf from '@tensorflow/tfjs-core';
import { describeEachBackend, expectNoLeaks } from '@agon/tensor/testing';
import { emptyKVCache, type LayerKVCache } from '../src/kv-cache.js';
import { loadModel } from '../src/load.js';
import { expectedOf, fixtureDir, worstRelativeError } from './fixtures/expected.js';

const FIXTURES = ['llama-tiny', 'llama3-rope', 'qwen2-tiny', 'qwen3-tiny', 'mistral-tiny', 'gpt2-tiny'];

/** argmax of the last position of logits [1, T, V]. */
async function lastArgmax(logits: tf.Tensor3D): Promise<number> {
  const [, T, V] = logits.shape;
  const last = tf.tidy(() => tf.argMax(tf.reshape(tf.slice(logits, [0, T - 1, 0], [1, 1, V]), [V])));
  const id = (await last.data())[0];
  last.dispose();
  return id;
}

await describeEachBackend('loadModel on HF fixture folders', (backend) => {
  for (const name of FIXTURES) {
    it(`${name}: logits, tokenizer, eos ids (${backend})`, () =>
      expectNoLeaks(async () => {
        const expected = expectedOf(name);
        const { model, tokenizer, chat, eosIds } = await loadModel(fixtureDir(name));
        for (const { text, ids } of expected.tokenizer ?? []) expect(tokenizer.encode(text)).toEqual(ids);
        expect(eosIds.length).toBeGreaterThan(0);
        expect(eosIds).toContain(tokenizer.eosId);
        expect(chat === undefined).toBe(name === 'gpt2-tiny' || name === 'llama3-rope');
        const x = tf.tensor2d(expected.input_ids, undefined, 'int32');
        const { logits } = model.forward(x);
        expect(worstRelativeError(await logits.data(), expected.logits)).toBeLessThan(1e-4);
        tf.dispose([x, logits]);
        model.dispose();
      }));
  }

  it(`chat prompt → greedy with the KV cache equals argmax of full forward passes (qwen2-tiny, ${backend})`, () =>
    expectNoLeaks(async () => {
      const { model, tokenizer, chat } = await loadModel(fixtureDir('qwen2-tiny'));
      const prompt = chat?.render([{ role: 'user', content: 'once upon a time' }], { addGenerationPrompt: true }) ?? '';
      const ids = tokenizer.encode(prompt, { bos: true });
      expect(ids.length).toBeGreaterThan(5);
      // With the cache: prefill, then one token per step.
      let cache: LayerKVCache = emptyKVCache();
      const cached: number[] = [];
      let input = tf.tensor2d([ids], undefined, 'int32');
      for (let step = 0; step < 6; step++) {
        const out = model.forward(input, { cache });
        cache.dispose();
        cache = out.cache as LayerKVCache;
        cached.push(await lastArgmax(out.logits));
        out.logits.dispose();
        input.dispose();
        input = tf.tensor2d([[cached[cached.length - 1]]], undefined, 'int32');
      }
      input.dispose();
      cache.dispose();
      // Without: the whole sequence each step.
      const full: number[] = [];
      for (let step = 0; step < 6; step++) {
        const x = tf.tensor2d([[...ids, ...full]], undefined, 'int32');
        const { logits } = model.forward(x);
        full.push(await lastArgmax(logits));
        tf.dispose([x, logits]);
      }
      expect(cached).toEqual(full);
      expect(typeof tokenizer.decode(cached)).toBe('string');
      model.dispose();
    }));
});
