// How sampled sequences become loss tensors: right padding, the completion mask, the loss window;
// and their log-probs and entropies (sequenceLogprobs) on the real stories260K model.
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM } from '@agon/core';
import { loadModel, STORIES_260K } from '@agon/models';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import { lossWindow, sequenceLogprobs, sequenceTensors } from '../src/sequences.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

it('right-pads, masks only completion tokens and starts the loss window at the shortest prompt', async () => {
  await expectNoLeaks(async () => {
    const t = sequenceTensors(
      [
        { prompt: [1, 7, 8, 9], completion: [5, 2], oldLogprobs: [-0.5, -1.5], advantage: 1 },
        { prompt: [1, 6], completion: [4], oldLogprobs: [-2], advantage: -1 },
      ],
      0,
    );
    expect(t.offset).toBe(1); // the second prompt's last token predicts its first completion token
    expect(await t.inputs.array()).toEqual([
      [1, 7, 8, 9, 5],
      [1, 6, 0, 0, 0],
    ]);
    expect(await t.targets.array()).toEqual([
      [8, 9, 5, 2],
      [4, 0, 0, 0],
    ]);
    expect(await t.mask.array()).toEqual([
      [0, 0, 1, 1],
      [1, 0, 0, 0],
    ]);
    expect(await t.oldLogprobs.array()).toEqual([
      [0, 0, -0.5, -1.5],
      [-2, 0, 0, 0],
    ]);
    const logits = tf.tidy(() => tf.reshape(tf.range(0, 2 * 5 * 3), [2, 5, 3]) as tf.Tensor3D);
    const w = lossWindow(logits, t.offset);
    expect(w.shape).toEqual([2, 4, 3]);
    expect((await w.array())[0][0]).toEqual([3, 4, 5]);
    tf.dispose([w, logits, t.inputs, t.targets, t.mask, t.oldLogprobs, t.advantages]);
  });
  expect(() => sequenceTensors([{ prompt: [1], completion: [], oldLogprobs: [], advantage: 0 }], 0)).toThrow('sequence 0 has an empty prompt or completion');
});

/** Float64 log-softmax at the targets and entropy of each row of logits [N, V]. */
function reference(logits: Float32Array, V: number, targets: Int32Array): { lp: number[]; ent: number[] } {
  const lp: number[] = [], ent: number[] = [];
  for (let n = 0; n < targets.length; n++) {
    const row = Array.from(logits.subarray(n * V, (n + 1) * V));
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((a, z) => a + Math.exp(z - m), 0));
    lp.push(row[targets[n]] - lse);
    ent.push(-row.reduce((a, z) => a + Math.exp(z - lse) * (z - lse), 0));
  }
  return { lp, ent };
}

it("sequenceLogprobs on stories260K: log-probs and entropies against float64, through the model's tokenLogprobs and through forward's logits; entropy: false gives the same log-probs alone", async () => {
  const { model } = await loadModel(STORIES_260K);
  // The same model without tokenLogprobs: sequenceLogprobs then takes forward's logits.
  const plain: CausalLM = {
    config: model.config,
    forward: (ids, opts) => model.forward(ids, opts),
    trainableVariables: () => model.trainableVariables(),
    dispose: () => undefined,
  };
  await expectNoLeaks(async () => {
    const t = sequenceTensors(
      [
        { prompt: [1, 403, 261, 378], completion: [300, 13, 2], oldLogprobs: [0, 0, 0], advantage: 1 },
        { prompt: [1, 70], completion: [279, 410], oldLogprobs: [0, 0], advantage: -1 },
      ],
      0,
    );
    const V = model.config.vocabSize;
    const logits = tf.tidy(() => lossWindow(model.forward(t.inputs).logits, t.offset));
    const ref = reference((await logits.data()) as Float32Array, V, (await t.targets.data()) as Int32Array);
    const near = async (x: tf.Tensor, want: number[], label: string) => {
      const got = Array.from(await x.data());
      got.forEach((v, i) => {
        if (!(Math.abs(v - want[i]) <= 2e-5 + 1e-5 * Math.abs(want[i]))) throw new Error(`${label}[${i}]: ${v}, float64 ${want[i]}`);
      });
    };
    for (const [label, m] of [['tokenLogprobs', model], ['logits', plain]] as const) {
      const both = sequenceLogprobs(m, t);
      const only = sequenceLogprobs(m, t, { entropy: false });
      expect(Object.keys(only)).toEqual(['logprobs']);
      await near(both.logprobs, ref.lp, `${label} log-probs`);
      await near(both.entropy, ref.ent, `${label} entropies`);
      expect(Array.from(await only.logprobs.data())).toEqual(Array.from(await both.logprobs.data()));
      tf.dispose([both.logprobs, both.entropy, only.logprobs]);
    }
    tf.dispose([logits, t.inputs, t.targets, t.mask, t.oldLogprobs, t.advantages]);
  });
  model.dispose();
});
