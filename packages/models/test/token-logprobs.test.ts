// model.tokenLogprobs (hidden states → chunked lm_head log-softmax, recomputed in backward) against
// the unfused path tokenLogprobs(forward().logits) / entropyFromLogits on the tiny Llama, Qwen2
// (q/k/v bias) and GPT-2 fixtures and the real stories260K checkpoint: the same log-probs, entropies
// and gradients of every trainable variable, full models and LoRA (adapters on and off), with a
// loss-window offset. Tolerances: float32 sums in a different order (chunks), 2e-5 absolute on
// values, 1e-4 relative on gradients. With entropy: false, the log-probs and their gradients
// exactly as with the entropy.
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM } from '@agon/core';
import { entropyFromLogits, tokenLogprobs } from '@agon/tensor';
import { describeEachBackend, expectNoLeaks } from '@agon/tensor/testing';
import { attachLora, buildArchitecture, loadModel, readHfFolder, STORIES_260K } from '@agon/models';
import { fixtureDir } from './fixtures/expected.js';

const IDS = [
  [1, 5, 9, 3, 7, 2, 4],
  [1, 8, 6, 10, 12, 3, 11],
];
const OFFSET = 2;

async function close(a: tf.Tensor, b: tf.Tensor, atol: number, rtol: number, label: string): Promise<void> {
  const [x, y] = [await a.data(), await b.data()];
  expect(x.length).toBe(y.length);
  let worst = 0;
  x.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - y[i]) - rtol * Math.abs(y[i]))));
  if (worst > atol) throw new Error(`${label}: differs by ${worst} beyond rtol ${rtol} (atol ${atol})`);
}

/** Both paths: Σ (logprobs·R + 0.1·entropy·R) over the window, its value and gradients. */
async function compare(model: CausalLM, label: string): Promise<void> {
  const fused = model.tokenLogprobs?.bind(model);
  if (!fused) throw new Error(`${label}: no tokenLogprobs`);
  const vars = model.trainableVariables();
  const ids = tf.tensor2d(IDS, undefined, 'int32');
  const targets = tf.tensor2d(IDS.map((r) => [...r.slice(OFFSET + 1), 0]), undefined, 'int32');
  const R = tf.randomNormal([2, IDS[0].length - OFFSET], 0, 1, 'float32', 5);
  const viaLogits = () => {
    const logits = tf.slice(model.forward(ids).logits, [0, OFFSET, 0], [-1, -1, -1]);
    return { logprobs: tokenLogprobs(logits, targets), entropy: entropyFromLogits(logits) };
  };
  const viaHidden = () => fused(ids, targets, { offset: OFFSET });
  const loss = (f: () => { logprobs: tf.Tensor; entropy: tf.Tensor }) => () =>
    tf.tidy(() => {
      const { logprobs, entropy } = f();
      return tf.sum(tf.mul(tf.add(logprobs, tf.mul(entropy, 0.1)), R)) as tf.Scalar;
    });
  const [a, b] = [tf.tidy(viaHidden), tf.tidy(viaLogits)];
  expect(a.logprobs.shape).toEqual([2, IDS[0].length - OFFSET]);
  await close(a.logprobs, b.logprobs, 2e-5, 1e-5, `${label} log-probs`);
  await close(a.entropy, b.entropy, 2e-5, 1e-5, `${label} entropies`);
  tf.dispose([a.logprobs, a.entropy, b.logprobs, b.entropy]);
  if (vars.length > 0) {
    const ga = tf.variableGrads(loss(viaHidden), vars);
    const gb = tf.variableGrads(loss(viaLogits), vars);
    await close(ga.value, gb.value, 1e-4, 1e-5, `${label} loss`);
    for (const v of vars) {
      const m = tf.tidy(() => tf.max(tf.abs(gb.grads[v.name])));
      const scale = Math.max((await m.data())[0], 1e-3);
      m.dispose();
      await close(ga.grads[v.name], gb.grads[v.name], 1e-4 * scale, 1e-4, `${label} gradient of ${v.name}`);
    }
    tf.dispose([ga.value, gb.value, ...Object.values(ga.grads), ...Object.values(gb.grads)]);
  }
  tf.dispose([ids, targets, R]);
}

/**
 * With `entropy: false`: only `logprobs`, equal to the default call's, and the gradients of
 * Σ logprobs·R equal to the default call's with its entropy unused (the entropy term is exactly 0
 * there), through LoRA as well.
 */
async function compareWithoutEntropy(model: CausalLM, label: string): Promise<void> {
  const fused = model.tokenLogprobs?.bind(model);
  if (!fused) throw new Error(`${label}: no tokenLogprobs`);
  const vars = model.trainableVariables();
  const ids = tf.tensor2d(IDS, undefined, 'int32');
  const targets = tf.tensor2d(IDS.map((r) => [...r.slice(OFFSET + 1), 0]), undefined, 'int32');
  const R = tf.randomNormal([2, IDS[0].length - OFFSET], 0, 1, 'float32', 6);
  const [only, both] = [tf.tidy(() => fused(ids, targets, { offset: OFFSET, entropy: false })), tf.tidy(() => fused(ids, targets, { offset: OFFSET }))];
  expect(Object.keys(only)).toEqual(['logprobs']);
  await close(only.logprobs, both.logprobs, 0, 0, `${label} log-probs without the entropy`);
  tf.dispose([only.logprobs, both.logprobs, both.entropy]);
  const loss = (entropy: boolean) => () => tf.tidy(() => tf.sum(tf.mul(fused(ids, targets, { offset: OFFSET, entropy }).logprobs, R)) as tf.Scalar);
  const [ga, gb] = [tf.variableGrads(loss(false), vars), tf.variableGrads(loss(true), vars)];
  for (const v of vars) await close(ga.grads[v.name], gb.grads[v.name], 0, 0, `${label} gradient of ${v.name} without the entropy`);
  tf.dispose([ga.value, gb.value, ...Object.values(ga.grads), ...Object.values(gb.grads), ids, targets, R]);
}

await describeEachBackend('model.tokenLogprobs', () => {
  for (const name of ['llama-tiny', 'qwen2-tiny', 'gpt2-tiny']) {
    it(`${name}: equals the logits path, full model and LoRA (adapters on and off)`, async () => {
      await expectNoLeaks(async () => {
        const hf = await readHfFolder(fixtureDir(name));
        const model = buildArchitecture(hf.config, hf.weights, hf.configFile);
        await compare(model, name);
        const lora = attachLora(model, { r: 2, alpha: 4, targetModules: name === 'gpt2-tiny' ? ['q', 'v'] : ['q', 'v', 'down'], seed: 3 });
        for (const { B } of lora.adapters.values()) tf.tidy(() => B.assign(tf.randomNormal(B.shape, 0, 0.3, 'float32', 9)));
        await compare(lora, `${name} + LoRA`);
        await compare(lora.withAdapters(false), `${name} adapters off`);
        await compareWithoutEntropy(lora, `${name} + LoRA`);
        lora.dispose();
      });
      // webgpu here is SwiftShader: under a loaded machine one model takes close to a minute.
    }, 180_000);
  }

  it('stories260K (the real checkpoint): equals the logits path', async () => {
    await expectNoLeaks(async () => {
      const { model } = await loadModel(STORIES_260K);
      await compare(model, 'stories260K');
      await compareWithoutEntropy(model, 'stories260K');
      model.dispose();
    });
  }, 120_000);

  it('rejects targets that do not cover the window, naming the shapes', async () => {
    await expectNoLeaks(async () => {
      const hf = await readHfFolder(fixtureDir('llama-tiny'));
      const model = buildArchitecture(hf.config, hf.weights, hf.configFile);
      const ids = tf.tensor2d(IDS, undefined, 'int32');
      const targets = tf.zeros([2, 3], 'int32') as tf.Tensor2D;
      expect(() => model.tokenLogprobs!(ids, targets, { offset: 2 })).toThrow('tokenLogprobs: targets must be [2, T − offset] = [2, 5] for ids [2, 7] and offset 2; got targets [2, 3]');
      tf.dispose([ids, targets]);
      model.dispose();
    });
  });
});
