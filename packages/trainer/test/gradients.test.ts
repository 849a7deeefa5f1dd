// The accumulated gradient is the gradient of the loss the trainer reports: checked by central finite
// differences on stories260K, for any micro-batch size and accumulation split.
import * as tf from '@tensorflow/tfjs-core';
import { loadModel, STORIES_260K } from '@agon/models';
import { reinforceLoss } from '@agon/objectives';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import { accumulateGradients, type GradientContext } from '../src/gradients.js';
import type { Sequence } from '../src/sequences.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

it('equals finite differences of the reported loss, whatever the micro-batch and accumulation split', async () => {
  const { model, tokenizer } = await loadModel(STORIES_260K);
  try {
    await expectNoLeaks(async () => {
      const enc = (s: string) => tokenizer.encode(s, { bos: false });
      const prompt = tokenizer.encode('Once upon a time', { bos: true });
      const seq = (text: string, advantage: number): Sequence => ({ prompt, completion: enc(text), oldLogprobs: [], advantage });
      const batches = {
        solver: [seq(' there was a cat.', 1), seq(' a dog ran', -0.5), seq(' Lily', -0.5)],
        challenger: [seq(' the sun', 0.25), seq(' in the park', -0.25)],
      };
      const objective = reinforceLoss();
      const ctx = (micro: number): GradientContext => ({ model, reference: null, objectives: { solver: objective, challenger: objective, alphaCh: 0.5 }, microBatchSize: micro, padId: 0 });

      const whole: Record<string, tf.Tensor> = {};
      const m = await accumulateGradients(ctx(8), batches, whole, 1);
      const split: Record<string, tf.Tensor> = {};
      await accumulateGradients(ctx(1), batches, split, 0.5);
      await accumulateGradients(ctx(2), batches, split, 0.5);

      // The two splits agree on every variable.
      for (const k of Object.keys(whole)) {
        const d = tf.tidy(() => tf.max(tf.abs(tf.sub(whole[k], split[k]))).dataSync()[0]);
        expect(d).toBeLessThan(1e-5);
      }
      // Central differences on the largest gradient entry of the token embedding.
      const v = model.trainableVariables()[0];
      const g = (await whole[v.name].data()) as Float32Array;
      let idx = 0;
      for (let i = 1; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[idx])) idx = i;
      const eps = 1e-2;
      const lossAt = async (delta: number) => {
        const bumped = tf.tidy(() => {
          const flat = tf.reshape(v, [-1]).arraySync() as number[];
          flat[idx] += delta;
          return tf.tensor(flat, v.shape);
        });
        const saved = tf.clone(v);
        v.assign(bumped);
        bumped.dispose();
        const scratch: Record<string, tf.Tensor> = {};
        const r = await accumulateGradients(ctx(8), batches, scratch, 1);
        tf.dispose(Object.values(scratch));
        v.assign(saved);
        saved.dispose();
        return r.loss;
      };
      const fd = ((await lossAt(eps)) - (await lossAt(-eps))) / (2 * eps);
      expect(Math.abs(fd - g[idx])).toBeLessThan(0.005 * Math.abs(g[idx]) + 1e-4); // measured: 3.01802 vs 3.01825
      expect(Math.abs(g[idx])).toBeGreaterThan(1e-3);
      // The reported loss is L_Sol + α·L_Ch with each role's loss a mean over its sequences.
      expect(m.loss).toBeCloseTo(m['solver/loss'] + 0.5 * m['challenger/loss'], 5);
      // With α_Ch = 0 the Challenger's loss still reads its value (it only leaves the total).
      const off: Record<string, tf.Tensor> = {};
      const zero = await accumulateGradients({ ...ctx(8), objectives: { solver: objective, challenger: objective, alphaCh: 0 } }, batches, off, 1);
      expect(m['challenger/loss']).not.toBe(0);
      expect(zero['challenger/loss']).toBeCloseTo(m['challenger/loss'], 6);
      expect(zero.loss).toBeCloseTo(m['solver/loss'], 5);
      tf.dispose([...Object.values(whole), ...Object.values(split), ...Object.values(off)]);
    });
  } finally {
    model.dispose();
  }
}, 120_000);
