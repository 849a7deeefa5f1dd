// Activation recomputation (setRecompute) changes memory, not results: the same loss and the same
// gradient of every trainable variable with it on and off, on the real stories260K checkpoint and
// on a fixture of every registered architecture family — Llama, Qwen2 (q/k/v bias), Qwen3 (q/k
// norms), Mistral with a short sliding window, GPT-2 (learned positions, LayerNorm, fused c_attn) —
// each as a full model and with LoRA with dropout in training mode (the recomputation replays the
// dropout masks). Tolerance: the same ops run in the same order, so values agree to float32
// rounding: loss to 5 decimals, every gradient entry within 1e-5 of the largest entry of its
// variable. Sampling with a KV cache is unaffected (greedy tokens equal).
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM } from '@agon/core';
import { watchPeakTensorBytes } from '@agon/tensor';
import { describeEachBackend, expectNoLeaks } from '@agon/tensor/testing';
import { attachLora, buildArchitecture, generate, loadModel, readHfFolder, STORIES_260K, type DecoderModel, type LoraModel } from '@agon/models';
import { fixtureDir } from './fixtures/expected.js';

const IDS = [
  [1, 5, 9, 3, 7, 2, 4, 6],
  [1, 8, 6, 10, 12, 3, 11, 2],
];

/** Loss, gradients and the most tensor bytes held at once above those held before (the activations). */
async function lossAndGrads(model: CausalLM): Promise<{ loss: number; grads: Map<string, Float32Array>; peakBytes: number }> {
  const ids = tf.tensor2d(IDS.map((r) => r.slice(0, -1)), undefined, 'int32');
  const targets = tf.tensor2d(IDS.map((r) => r.slice(1)), undefined, 'int32');
  const held = tf.memory().numBytes;
  const watch = watchPeakTensorBytes();
  const { value, grads } = tf.variableGrads(() => tf.tidy(() => tf.neg(tf.mean(model.tokenLogprobs!(ids, targets).logprobs)) as tf.Scalar), model.trainableVariables());
  watch.stop();
  const out = new Map<string, Float32Array>();
  for (const [k, g] of Object.entries(grads)) out.set(k, (await g.data()) as Float32Array);
  const loss = (await value.data())[0];
  tf.dispose([ids, targets, value, ...Object.values(grads)]);
  return { loss, grads: out, peakBytes: watch.peak() - held };
}

async function expectSameWithAndWithout(model: CausalLM, label: string, before?: () => void): Promise<void> {
  before?.();
  model.setRecompute!(false);
  const plain = await lossAndGrads(model);
  before?.();
  model.setRecompute!(true);
  const re = await lossAndGrads(model);
  model.setRecompute!(false);
  expect(re.loss).toBeCloseTo(plain.loss, 5);
  // Not vacuous: the layers did run recomputed (fewer activations held at the peak).
  expect(re.peakBytes).toBeLessThan(plain.peakBytes);
  expect([...re.grads.keys()]).toEqual([...plain.grads.keys()]);
  expect(plain.grads.size).toBeGreaterThan(0);
  for (const [k, g] of plain.grads) {
    const r = re.grads.get(k)!;
    let worst = 0, scale = 1e-6;
    g.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(v - r[i]));
      scale = Math.max(scale, Math.abs(v));
    });
    if (worst > 1e-5 * scale) throw new Error(`${label}: gradient of ${k} differs by ${worst} (largest entry ${scale})`);
  }
}

await describeEachBackend('activation recomputation', (backend) => {
  // webgpu here is SwiftShader (seconds per decode step): there the decoding check is left to cpu/wasm.
  const gpu = backend === 'webgpu';
  it('stories260K: same loss and gradients with recomputation on and off; greedy decoding unchanged', async () => {
    await expectNoLeaks(async () => {
      const { model, tokenizer } = await loadModel(STORIES_260K);
      const m = model as DecoderModel;
      await expectSameWithAndWithout(m, 'stories260K');
      if (gpu) return m.dispose();
      const prompt = tokenizer.encode('Once upon a time', { bos: true });
      const plain = await generate(m, tokenizer, [prompt], { maxNewTokens: 8, temperature: 0 });
      m.setRecompute(true);
      const re = await generate(m, tokenizer, [prompt], { maxNewTokens: 8, temperature: 0 });
      expect(re[0].ids).toEqual(plain[0].ids);
      m.dispose();
    });
  }, 300_000);

  // Every fixture family, and the LoRA targets that cover every adaptable projection of it.
  const FIXTURES: [string, string[]][] = [
    ['llama-tiny', ['q', 'k', 'v', 'o', 'gate', 'up', 'down']],
    ['qwen2-tiny', ['q', 'k', 'v', 'o', 'gate', 'up', 'down']],
    ['qwen3-tiny', ['q', 'k', 'v', 'o', 'gate', 'up', 'down']],
    ['mistral-window', ['q', 'k', 'v', 'o', 'gate', 'up', 'down']],
    ['gpt2-tiny', ['q', 'o', 'up', 'down']], // q, k and v are GPT-2's one fused c_attn
  ];
  // On webgpu (SwiftShader here: minutes a fixture under load) a Llama-family decoder and GPT-2;
  // the other families differ from Qwen2 only in forward ops that fixture-logits checks there.
  const GPU_FIXTURES = ['qwen2-tiny', 'gpt2-tiny'];
  for (const [name, targetModules] of FIXTURES) {
    if (gpu && !GPU_FIXTURES.includes(name)) continue;
    it(`${name}: full model, and LoRA with dropout in training mode (masks replayed)`, async () => {
      await expectNoLeaks(async () => {
        const hf = await readHfFolder(fixtureDir(name));
        const model = buildArchitecture(hf.config, hf.weights, hf.configFile);
        if (!model.setRecompute) throw new Error(`${name}: the ${model.config.architecture} model has no setRecompute`);
        await expectSameWithAndWithout(model, name);
        const lora: LoraModel = attachLora(model, { r: 2, alpha: 4, targetModules, dropout: 0.3, seed: 2 });
        for (const { B } of lora.adapters.values()) tf.tidy(() => B.assign(tf.randomNormal(B.shape, 0, 0.3, 'float32', 9)));
        lora.setTraining(true);
        // Each run starts from the same dropout draw, so both see the same masks.
        const shared = (lora as unknown as { shared: { dropoutCalls: number } }).shared;
        await expectSameWithAndWithout(lora, `${name} + LoRA`, () => void (shared.dropoutCalls = 0));
        lora.dispose();
      });
    }, 120_000);
  }
});
