// Training through the real stories260K: gradients reach every variable (gather, slice and
// RoPE tables included), and a few SGD steps on one batch lower its next-token loss. The loss is
// computed with @agon/tensor's tokenLogprobs, as the trainer will.
import * as tf from '@tensorflow/tfjs-core';
import { tokenLogprobs } from '@agon/tensor';
import { describeEachBackend, expectNoLeaks } from '@agon/tensor/testing';
import { loadModel, STORIES_260K } from '@agon/models';

await describeEachBackend('stories260K training step', (backend) => {
  (backend === 'webgpu' ? it.skip : it)('SGD on one batch lowers its loss, and every weight gets a finite gradient', () =>
    expectNoLeaks(async () => {
      const { model, tokenizer } = await loadModel(STORIES_260K);
      const rows = ['Lily saw a cat. The cat ran.', 'Tom had a red ball and a dog.'].map((t) => tokenizer.encode(t, { bos: true }));
      const T = Math.min(...rows.map((r) => r.length));
      const ids = tf.tensor2d(rows.map((r) => r.slice(0, T - 1)), [2, T - 1], 'int32');
      const targets = tf.tensor2d(rows.map((r) => r.slice(1, T)), [2, T - 1], 'int32');
      const loss = () => tf.tidy(() => tf.neg(tf.mean(tokenLogprobs(model.forward(ids).logits, targets))) as tf.Scalar);
      const vars = model.trainableVariables();
      const beforeLoss = loss();
      const before = (await beforeLoss.data())[0];
      const optimizer = tf.train.sgd(0.05);
      for (let step = 0; step < 3; step++) {
        const { value, grads } = tf.variableGrads(loss, vars);
        if (step === 0) {
          expect(Object.keys(grads)).toHaveLength(vars.length);
          for (const g of Object.values(grads)) {
            const n = tf.norm(g);
            const norm = (await n.data())[0];
            n.dispose();
            expect(Number.isFinite(norm) && norm > 0).toBe(true);
          }
        }
        optimizer.applyGradients(grads);
        tf.dispose([value, ...Object.values(grads)]);
      }
      const afterLoss = loss();
      const after = (await afterLoss.data())[0];
      expect(after).toBeLessThan(before - 0.05);
      tf.dispose([ids, targets, beforeLoss, afterLoss]);
      optimizer.dispose();
      model.dispose();
    }));
});
