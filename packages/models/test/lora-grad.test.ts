// Gradients through LoRA adapters on the tiny Llama and GPT-2 fixtures: tf.variableGrads (with no
// variable list, i.e. every trainable variable of the process) returns gradients for exactly the
// A and B factors, they match central finite differences, and an optimizer step leaves the base
// weights bit for bit unchanged. Leak checks everywhere.
import * as tf from '@tensorflow/tfjs-core';
import { describeEachBackend, expectNoLeaks } from '@agon/tensor/testing';
import { attachLora, buildArchitecture, readHfFolder, type LoraModel } from '@agon/models';
import { fixtureDir } from './fixtures/expected.js';

const IDS = [
  [1, 5, 9, 3, 7, 2],
  [1, 8, 6, 10, 12, 3],
];

async function adapted(name: string): Promise<LoraModel> {
  const hf = await readHfFolder(fixtureDir(name));
  const lora = attachLora(buildArchitecture(hf.config, hf.weights, hf.configFile), { r: 2, alpha: 6, targetModules: ['q', 'v', 'o', 'up', 'down'], seed: 4 });
  let i = 0;
  for (const { B } of lora.adapters.values()) tf.tidy(() => B.assign(tf.mul(tf.randomNormal(B.shape, 0, 1, 'float32', 11 + i++), 0.3)));
  return lora;
}

/** loss = Σ logits · R with a fixed random R: every logit matters, with a different weight. */
function lossFn(lora: LoraModel, R: tf.Tensor): () => tf.Scalar {
  return () =>
    tf.tidy(() => {
      const { logits } = lora.forward(tf.tensor2d(IDS, undefined, 'int32'));
      return tf.sum(tf.mul(logits, R));
    });
}

/** The same loss with the weighted sum taken in float64 on the host (less rounding noise for finite differences). */
async function loss64(lora: LoraModel, R: Float32Array): Promise<number> {
  const x = tf.tensor2d(IDS, undefined, 'int32');
  const { logits } = lora.forward(x);
  const l = await logits.data();
  tf.dispose([x, logits]);
  let sum = 0;
  for (let i = 0; i < l.length; i++) sum += l[i] * R[i];
  return sum;
}

async function value(f: () => tf.Scalar): Promise<number> {
  const s = f();
  const v = (await s.data())[0];
  s.dispose();
  return v;
}

await describeEachBackend('LoRA gradients', (backend) => {
  // SwiftShader (webgpu on a CPU) takes seconds per forward pass: on webgpu one model checks where
  // gradients go; the finite differences and the optimizer step run on cpu and wasm.
  const gpu = backend === 'webgpu';
  for (const name of gpu ? ['llama-tiny'] : ['llama-tiny', 'gpt2-tiny']) {
    it(`${name}: gradients reach only A and B${gpu ? '' : ', and match finite differences'}`, () =>
      expectNoLeaks(async () => {
        const lora = await adapted(name);
        const V = lora.config.vocabSize;
        const R = tf.randomNormal([2, 6, V], 0, 1, 'float32', 7);
        const rHost = (await R.data()) as Float32Array;
        const f = lossFn(lora, R);
        const { value: v0, grads } = tf.variableGrads(f);
        const names = Object.keys(grads).sort();
        expect(names).toEqual(lora.trainableVariables().map((v) => v.name).sort());
        expect(names.every((n) => /\.lora_[AB]\.weight$/.test(n))).toBe(true);
        // Central differences with Richardson extrapolation, (4·D(h/2) − D(h)) / 3: the h² error
        // cancels, so h can be large enough that float32 rounding (∝ 1/h) stays small.
        const h = 4e-2;
        let worst = 0;
        const picked = gpu ? [] : [...lora.adapters.values()].filter((_, i) => i % 3 === 0);
        for (const { A, B } of picked) {
          for (const variable of [A, B]) {
            const g = await grads[variable.name].data();
            const orig = await variable.data();
            for (const idx of [0, Math.floor(orig.length / 2), orig.length - 1]) {
              const at = async (delta: number) => {
                const w = orig.slice();
                w[idx] += delta;
                tf.tidy(() => variable.assign(tf.tensor(w, variable.shape)));
                return loss64(lora, rHost);
              };
              const central = async (step: number) => ((await at(step)) - (await at(-step))) / (2 * step);
              const fd = (4 * (await central(h / 2)) - (await central(h))) / 3;
              tf.tidy(() => variable.assign(tf.tensor(orig, variable.shape)));
              worst = Math.max(worst, Math.abs(fd - g[idx]) / Math.max(1, Math.abs(g[idx])));
            }
          }
        }
        if (!gpu) console.log(`${name}: worst finite-difference error ${worst.toExponential(2)} on ${backend}`);
        expect(worst).toBeLessThan(5e-3);
        tf.dispose([v0, R, ...Object.values(grads)]);
        lora.dispose();
      }));
  }

  (gpu ? it.skip : it)('an optimizer step changes the adapters and the loss, never the base weights', () =>
    expectNoLeaks(async () => {
      const lora = await adapted('llama-tiny');
      const R = tf.randomNormal([2, 6, lora.config.vocabSize], 0, 1, 'float32', 8);
      const f = lossFn(lora, R);
      const baseBefore = await Promise.all(lora.base.trainableVariables().map((v) => v.data()));
      const aBefore = await lora.trainableVariables()[0].data();
      const l0 = await value(f);
      const opt = tf.train.sgd(1e-3);
      const stepLoss = opt.minimize(f, true); // no var list: every trainable variable, i.e. the adapters
      if (stepLoss) stepLoss.dispose();
      expect(await value(f)).toBeLessThan(l0);
      expect(await lora.trainableVariables()[0].data()).not.toEqual(aBefore);
      const baseAfter = await Promise.all(lora.base.trainableVariables().map((v) => v.data()));
      baseAfter.forEach((d, i) => expect(d).toEqual(baseBefore[i]));
      opt.dispose();
      R.dispose();
      lora.dispose();
    }));
});
