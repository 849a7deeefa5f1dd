// Every fixture architecture (Llama 2/3 with llama3 RoPE in both config.json layouts, Qwen2, Qwen3,
// Mistral with and without a short sliding window, GPT-2; F32/F16/BF16; single and sharded), saved
// by transformers 5 and built through the architecture registry from readHfFolder, against the
// logits transformers computes in float64 from the same folder (tools/hf_fixtures.py): within 1e-4 relative
// (per element, relative to max(|expected|, 1)), on every backend under test, with leak checks.
import * as tf from '@tensorflow/tfjs-core';
import { describeEachBackend, expectNoLeaks } from '@agon/tensor/testing';
import { buildArchitecture } from '../src/architectures.js';
import { readHfFolder } from '../src/hf/index.js';
import { expectedOf, fixtureDir, worstRelativeError } from './fixtures/expected.js';

const FIXTURES = ['llama-tiny', 'llama3-rope', 'llama3-rope-legacy', 'qwen2-tiny', 'qwen3-tiny', 'mistral-tiny', 'mistral-window', 'gpt2-tiny'];
const worst: Record<string, number> = {};

await describeEachBackend('fixture logits vs transformers float64', (backend) => {
  afterAll(() => console.log(`worst relative logit error on ${backend}: ${JSON.stringify(worst)}`));
  for (const name of FIXTURES) {
    it(`${name} (${backend})`, () =>
      expectNoLeaks(async () => {
        const expected = expectedOf(name);
        const hf = await readHfFolder(fixtureDir(name));
        const model = buildArchitecture(hf.config, hf.weights, hf.configFile);
        const ids = tf.tensor2d(expected.input_ids, undefined, 'int32');
        const { logits } = model.forward(ids);
        expect(logits.shape).toEqual(expected.shape);
        const err = worstRelativeError(await logits.data(), expected.logits);
        worst[name] = Number(err.toExponential(2));
        expect(err).toBeLessThan(1e-4);
        tf.dispose([ids, logits]);
        model.dispose();
      }));
  }
});
