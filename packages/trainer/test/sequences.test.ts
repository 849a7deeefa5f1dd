// How sampled sequences become loss tensors: right padding, the completion mask, the loss window.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import { lossWindow, sequenceTensors } from '../src/sequences.js';

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
