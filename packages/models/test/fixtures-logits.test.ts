// Every fixture architecture (Llama 2/3, Qwen2, Qwen3, Mistral, GPT-2; F32/F16/BF16; single and
// sharded) built through the architecture registry from readHfFolder, against the logits torch
// computed in float64 from the same stored weights (tools/make_fixtures.py): within 1e-4 relative
// (per element, relative to max(|expected|, 1)), on every backend under test, with leak checks.
import * as tf from '@tensorflow/tfjs-core';
import { describeEachBackend, expectNoLeaks } from '@agon/tensor/testing';
import { buildArchitecture } from '../src/architectures.js';
import { readHfFolder } from '../src/hf/index.js';
import { expectedOf, fixtureDir, worstRelativeError } from './fixtures/expected.js';

const FIXTURES = ['llama-tiny', 'llama3-rope', 'qwen2-tiny', 'qwen3-tiny', 'mistral-tiny', 'gpt2-tiny'];
const worst: Record<string, number> = {};

await describeEachBackend('fixture logits vs PyTorch float64', (backend) => {
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
