// LoRA on the real stories260K model and the tiny fixtures: a fresh adapter changes nothing, only
// A/B train, adapters-off is the base model without a copy, adapter folders made by peft (all
// projections; q/v with rsLoRA; a regex target; GPT-2's Conv1D) load and give the PeftModel's
// logits (float64, tools/hf_fixtures.py) within 1e-4, merge()
// folds the adapters in, dropout is seeded and only active in training. Leak checks everywhere.
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM } from '@agon/core';
import { describeEachBackend, expectNoLeaks } from '@agon/tensor/testing';
import { attachLora, buildArchitecture, emptyKVCache, loadLoraAdapters, loadModel, readHfFolder, STORIES_260K, type LoraModel } from '@agon/models';
import { expectedOf, fixtureDir, worstRelativeError } from './fixtures/expected.js';

const ALL = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'];

async function fixtureModel(name: string): Promise<CausalLM> {
  const hf = await readHfFolder(fixtureDir(name));
  return buildArchitecture(hf.config, hf.weights, hf.configFile);
}

async function logitsOf(model: CausalLM, ids: number[][]): Promise<Float32Array> {
  const x = tf.tensor2d(ids, undefined, 'int32');
  const { logits } = model.forward(x);
  const out = (await logits.data()) as Float32Array;
  tf.dispose([x, logits]);
  return out;
}

/** Non-zero B factors (seeded), so the adapters change the output. */
function randomizeB(lora: LoraModel, seed: number): void {
  let i = 0;
  for (const { B } of lora.adapters.values()) tf.tidy(() => B.assign(tf.mul(tf.randomNormal(B.shape, 0, 1, 'float32', seed + i++), 0.5)));
}

const IDS = [
  [1, 403, 407, 261, 378, 290],
  [1, 66, 355, 95, 279, 9],
];

await describeEachBackend('LoRA adapters', (backend) => {
  // SwiftShader (webgpu on a CPU) takes seconds per forward pass: on webgpu only the numerics
  // against torch run; the adapter bookkeeping is backend-independent and covered on cpu and wasm.
  const logicIt = backend === 'webgpu' ? it.skip : it;
  logicIt('a fresh adapter (B = 0) leaves stories260K logits unchanged; only A and B are trainable', () =>
    expectNoLeaks(async () => {
      const { model } = await loadModel(STORIES_260K);
      const base = await logitsOf(model, IDS);
      const lora = attachLora(model, { r: 4, alpha: 8, targetModules: ALL, seed: 3 });
      expect(await logitsOf(lora, IDS)).toEqual(base);
      const vars = lora.trainableVariables();
      expect(vars).toHaveLength(2 * 7 * model.config.numLayers);
      expect(vars.every((v) => /\.lora_[AB]\.weight$/.test(v.name))).toBe(true);
      expect(model.trainableVariables().every((v) => !v.trainable)).toBe(true);
      const { A, B } = lora.adapters.get('model.layers.0.self_attn.q_proj')!;
      expect(A.shape).toEqual([4, 64]);
      expect(B.shape).toEqual([64, 4]);
      // PEFT's kaiming_uniform(a=√5): U(−1/√in, 1/√in), not all zero, seeded.
      const a = await A.data();
      expect(Math.max(...a.map(Math.abs))).toBeLessThanOrEqual(1 / 8);
      expect(Math.max(...a.map(Math.abs))).toBeGreaterThan(0.1);
      expect(Array.from(await B.data()).every((x) => x === 0)).toBe(true);
      const again = attachLora(await fixtureModel('llama-tiny'), { r: 4, targetModules: ['q'], seed: 3 });
      const b = attachLora(await fixtureModel('llama-tiny'), { r: 4, targetModules: ['q'], seed: 3 });
      expect(await again.adapters.get('model.layers.0.self_attn.q_proj')!.A.data()).toEqual(await b.adapters.get('model.layers.0.self_attn.q_proj')!.A.data());
      again.dispose();
      b.dispose();
      lora.dispose();
    }));

  logicIt('withAdapters(false) is the base model sharing its variables (no new tensors), and trains nothing', () =>
    expectNoLeaks(async () => {
      const { model } = await loadModel(STORIES_260K);
      const base = await logitsOf(model, IDS);
      const lora = attachLora(model, { r: 2, alpha: 4, targetModules: ['q', 'v', 'down'] });
      randomizeB(lora, 5);
      const before = tf.memory().numTensors;
      const off = lora.withAdapters(false);
      expect(tf.memory().numTensors).toBe(before);
      expect(off.withAdapters(true)).toBe(lora);
      expect(off.trainableVariables()).toEqual([]);
      expect(await logitsOf(off, IDS)).toEqual(base);
      expect(worstRelativeError(await logitsOf(lora, IDS), base)).toBeGreaterThan(1e-3); // on ≠ off
      off.dispose(); // a borrowed view: frees nothing
      expect(await logitsOf(lora, IDS)).toHaveLength(base.length);
      lora.dispose();
      const one = tf.tensor2d([[1]], [1, 1], 'int32');
      expect(() => off.forward(one)).toThrow('disposed');
      one.dispose();
    }));

  for (const [fixture, base, count] of [
    ['lora-llama', 'llama-tiny', 14],
    ['lora-llama-rslora', 'llama-tiny', 4],
    ['lora-qwen2-regex', 'qwen2-tiny', 3],
    ['lora-gpt2', 'gpt2-tiny', 8],
  ] as const) {
    it(`${fixture}: a folder made by peft gives peft's logits; merge() gives them too`, () =>
      expectNoLeaks(async () => {
        const expected = expectedOf(fixture);
        const model = await fixtureModel(base);
        const baseTensors = tf.memory().numTensors;
        const lora: LoraModel = await loadLoraAdapters(model, fixtureDir(fixture));
        expect(lora.adapters.size).toBe(count);
        expect(worstRelativeError(await logitsOf(lora, expected.input_ids), expected.logits)).toBeLessThan(1e-4);
        expect(worstRelativeError(await logitsOf(lora.withAdapters(false), expected.input_ids), expected.logits)).toBeGreaterThan(1e-3);
        const merged = lora.merge();
        expect(tf.memory().numTensors).toBe(baseTensors);
        expect(merged.trainableVariables().every((v) => v.trainable)).toBe(true);
        expect(worstRelativeError(await logitsOf(merged, expected.input_ids), expected.logits)).toBeLessThan(1e-4);
        const one = tf.tensor2d([[1]], [1, 1], 'int32');
        expect(() => lora.forward(one)).toThrow('merged or detached');
        one.dispose();
        merged.dispose();
      }));
  }

  logicIt('the KV cache carries the adapters: prefix + one cached step equals one full forward pass', () =>
    expectNoLeaks(async () => {
      const lora = attachLora((await loadModel(STORIES_260K)).model, { r: 4, targetModules: ALL, seed: 2 });
      randomizeB(lora, 9);
      const full = await logitsOf(lora, IDS);
      const V = lora.config.vocabSize;
      const T = IDS[0].length;
      const step = tf.tidy(() => {
        const first = lora.forward(tf.tensor2d(IDS.map((r) => r.slice(0, -1)), undefined, 'int32'), { cache: emptyKVCache() });
        const next = lora.forward(tf.tensor2d(IDS.map((r) => r.slice(-1)), undefined, 'int32'), { cache: first.cache });
        first.cache?.dispose();
        next.cache?.dispose();
        return next.logits; // [2, 1, V]
      });
      const got = await step.data();
      step.dispose();
      for (let b = 0; b < 2; b++) {
        const want = full.subarray((b * T + T - 1) * V, (b * T + T) * V);
        // float32 through 5 layers by two routes (a 1-row and a T-row product, cached keys): on wasm
        // the logits differ by ~1e-5 of their size; the bound is the one cached sampling keeps against
        // a full forward pass (1e-4)
        expect(worstRelativeError(got.subarray(b * V, (b + 1) * V), want)).toBeLessThan(1e-4);
      }
      lora.dispose();
    }));

  logicIt('dropout is active only in training mode, and seeded', () =>
    expectNoLeaks(async () => {
      const ids = [[1, 5, 9, 3, 7, 2, 11, 4]];
      const run = async (dropout: number, training: boolean) => {
        const lora = await loadLoraAdapters(await fixtureModel('llama-tiny'), fixtureDir('lora-llama'));
        const l2 = attachLora(lora.detach(), { r: 4, alpha: 8, targetModules: ALL, dropout, seed: 9 });
        randomizeB(l2, 2);
        l2.setTraining(training);
        const out = await logitsOf(l2, ids);
        l2.dispose();
        return out;
      };
      const plain = await run(0, true);
      expect(await run(0.5, false)).toEqual(plain);
      const a = await run(0.5, true);
      expect(worstRelativeError(a, plain)).toBeGreaterThan(1e-3);
      expect(await run(0.5, true)).toEqual(a);
    }));
});
