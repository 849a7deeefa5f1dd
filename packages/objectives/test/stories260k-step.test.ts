// End to end on the real stories260K model: one REINFORCE step through tfjs autodiff must raise the
// log-probability of the answer with a positive advantage and lower the one with a negative
// advantage. A flipped sign anywhere between the advantages and the optimizer step fails this.
import * as tf from '@tensorflow/tfjs-core';
import { loadModel, STORIES_260K } from '@agon/models';
import { initBackend, tokenLogprobs } from '@agon/tensor';
import { reinforceLoss, tokenMean, type Aggregator } from '@agon/objectives';
import { expectNoLeaks } from './tf-helpers.js';

// wasm: the same step takes ~10× longer on the pure-JS cpu backend.
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const STORIES = ['Once upon a time, there was a little girl named Lily.', 'The dog ran to the park and saw a big red ball.'];

describe('one REINFORCE step on stories260K', () => {
  it.each<[string, Aggregator | undefined]>([
    ['sequenceSum (default)', undefined],
    ['tokenMean', tokenMean],
  ])('moves log π(answer) in the direction of its advantage (%s)', async (_name, aggregation) => {
    const { model, tokenizer } = await loadModel(STORIES_260K);
    try {
      await expectNoLeaks(async () => {
        const seqs = STORIES.map((s) => tokenizer.encode(s, { bos: true }));
        const T = Math.max(...seqs.map((s) => s.length)) - 1;
        const pad = (xs: number[]) => [...xs, ...new Array(T - xs.length).fill(0)];
        const inputs = tf.tensor2d(seqs.map((s) => pad(s.slice(0, -1))), [2, T], 'int32');
        const targets = tf.tensor2d(seqs.map((s) => pad(s.slice(1))), [2, T], 'int32');
        const mask = tf.tensor2d(seqs.map((s) => pad(s.slice(1).map(() => 1))), [2, T]);
        const advantages = tf.tensor1d([1, -1]);

        const logprobs = () => tokenLogprobs(model.forward(inputs).logits, targets) as tf.Tensor2D;
        const seqLogprob = async () => {
          const s = tf.tidy(() => tf.sum(tf.mul(logprobs(), mask), 1));
          const v = Array.from(await s.data());
          s.dispose();
          return v;
        };
        const before = await seqLogprob();
        const objective = reinforceLoss({ aggregation });
        const vars = model.trainableVariables();
        const saved = vars.map((v) => tf.clone(v));
        const { value, grads } = tf.variableGrads(() => {
          const { loss, metrics } = objective.loss({ logprobs: logprobs(), advantages, mask });
          tf.dispose(Object.values(metrics));
          return loss;
        }, vars);
        // Plain SGD step θ ← θ − lr·∇L.
        const lr = 1e-3;
        for (const v of vars) {
          const next = tf.tidy(() => tf.sub(v, tf.mul(lr, grads[v.name])));
          v.assign(next); // the variable now shares next's data; the handle itself must still go
          next.dispose();
        }
        const after = await seqLogprob();
        vars.forEach((v, k) => v.assign(saved[k]));
        tf.dispose([value, ...Object.values(grads), ...saved, inputs, targets, mask, advantages]);
        expect(after[0]).toBeGreaterThan(before[0]); // A = +1: more likely
        expect(after[1]).toBeLessThan(before[1]); // A = −1: less likely
      });
    } finally {
      model.dispose();
    }
  });
});
