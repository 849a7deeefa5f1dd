// Every fixture architecture (Llama 2/3 with llama3 RoPE in both config.json layouts, Qwen2, Qwen3,
// Mistral with and without a short sliding window, GPT-2; F32/F16/BF16; single and sharded), saved
// by transformers 5 and built through the architecture registry from readHfFolder, against the
// logits transformers computes in float64 from the same folder (tools/hf_fixtures.py): within 1e-4 relative
// (per element, relative to max(|expected|, 1)), on every backend under test, with leak checks.
// Each fixture runs with activation recomputation off and on, and its chunked token log-probs and
// entropies (model.tokenLogprobs: lm_head, log-softmax and gather fused, no [B, T, V] logits) are
// held to the log-softmax of the same float64 logits, computed here in float64: within 2e-4 of
// max(|expected|, 1) (a log-prob sums two logit errors of up to 1e-4 each).
import * as tf from '@tensorflow/tfjs-core';
import { describeEachBackend, expectNoLeaks } from '@agon/tensor/testing';
import { buildArchitecture } from '../src/architectures.js';
import { readHfFolder } from '../src/hf/index.js';
import { expectedOf, fixtureDir, worstRelativeError } from './fixtures/expected.js';

const FIXTURES = ['llama-tiny', 'llama3-rope', 'llama3-rope-legacy', 'qwen2-tiny', 'qwen3-tiny', 'mistral-tiny', 'mistral-window', 'gpt2-tiny'];
const worst: Record<string, number> = {};

/** log p(target) and the entropy of every position of float64 logits [B, T, V] (flat), in float64. */
function logSoftmaxGolden(logits: readonly number[], [B, T, V]: readonly number[], targets: number[][]): { logprobs: number[]; entropy: number[] } {
  const logprobs: number[] = [];
  const entropy: number[] = [];
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++) {
      const row = logits.slice((b * T + t) * V, (b * T + t + 1) * V);
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((a, x) => a + Math.exp(x - max), 0));
      logprobs.push(row[targets[b][t]] - lse);
      entropy.push(-row.reduce((a, x) => a + Math.exp(x - lse) * (x - lse), 0));
    }
  return { logprobs, entropy };
}

await describeEachBackend('fixture logits vs transformers float64', (backend) => {
  afterAll(() => console.log(`worst relative logit error on ${backend}: ${JSON.stringify(worst)}`));
  for (const name of FIXTURES) {
    for (const recompute of [false, true]) {
      const label = `${name}${recompute ? ', recomputation on' : ''}`;
      it(`${label} (${backend}): logits, and chunked token log-probs and entropies`, () =>
        expectNoLeaks(async () => {
          const expected = expectedOf(name);
          const hf = await readHfFolder(fixtureDir(name));
          const model = buildArchitecture(hf.config, hf.weights, hf.configFile);
          if (!model.setRecompute || !model.tokenLogprobs) throw new Error(`${name}: no setRecompute or tokenLogprobs`);
          model.setRecompute(recompute);
          const ids = tf.tensor2d(expected.input_ids, undefined, 'int32');
          const { logits } = model.forward(ids);
          expect(logits.shape).toEqual(expected.shape);
          const err = worstRelativeError(await logits.data(), expected.logits);
          worst[label] = Number(err.toExponential(2));
          expect(err).toBeLessThan(1e-4);
          // Each position's target: the next id (the last position's: the first id of its row).
          const next = expected.input_ids.map((r) => r.map((_, t) => r[(t + 1) % r.length]));
          const targets = tf.tensor2d(next, undefined, 'int32');
          const golden = logSoftmaxGolden(expected.logits, expected.shape, next);
          const { logprobs, entropy } = model.tokenLogprobs(ids, targets);
          expect(worstRelativeError(await logprobs.data(), golden.logprobs)).toBeLessThan(2e-4);
          expect(worstRelativeError(await entropy.data(), golden.entropy)).toBeLessThan(2e-4);
          tf.dispose([ids, logits, targets, logprobs, entropy]);
          model.dispose();
        }));
    }
  }
});
