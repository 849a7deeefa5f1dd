// The likelihood self-reward reads the REFERENCE model (not the moving policy), and equals a float64
// log-softmax of the reference's logits over the answer tokens; the GRPO prompt set never contains a
// held-out query.
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM, ChatFormat } from '@agon/core';
import { arithmeticGame } from '@agon/game';
import { loadModel, STORIES_260K } from '@agon/models';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import { fixedPromptSet, heldOutSet, referenceLikelihoodReward, snapshotReference } from '@agon/trainer';
import { storyGame } from './helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** Mean log-prob of ids[from..] under the model, by a float64 log-softmax of one unpadded forward pass. */
async function reference64(model: CausalLM, ids: number[], from: number): Promise<number> {
  const logits = tf.tidy(() => model.forward(tf.tensor2d([ids], [1, ids.length], 'int32')).logits);
  const data = await logits.data();
  logits.dispose();
  const V = data.length / ids.length;
  let sum = 0;
  for (let t = from; t < ids.length; t++) {
    const row = Array.from(data.subarray((t - 1) * V, t * V));
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((a, x) => a + Math.exp(x - max), 0));
    sum += row[ids[t]] - lse;
  }
  return sum / (ids.length - from);
}

it('scores answers by the reference model, as a float64 log-softmax would (padding included)', async () => {
  const { model, tokenizer } = await loadModel(STORIES_260K);
  try {
    await expectNoLeaks(async () => {
      const game = storyGame();
      const chat: ChatFormat = { render: (msgs) => `${msgs.map((m) => m.content).join('\n')}\n` };
      const batch = [
        { query: 'Once upon a time', answer: 'there was a cat.', queryIndex: 0, answerIndex: 0 },
        { query: 'The dog', answer: 'ran', queryIndex: 1, answerIndex: 0 },
      ];
      const expected: number[] = [];
      for (const x of batch) {
        const prompt = tokenizer.encode(chat.render(game.solverPrompt(x.query), { addGenerationPrompt: true }), { bos: true });
        expected.push(await reference64(model, [...prompt, ...tokenizer.encode(x.answer, { bos: false })], prompt.length));
      }
      const reference = snapshotReference(model);
      // Move the policy: the reward must not follow it.
      const vars = model.trainableVariables();
      const saved = vars.map((v) => tf.clone(v));
      vars.forEach((v) => tf.tidy(() => v.assign(tf.mul(v, 0.5))));
      const reward = referenceLikelihoodReward({ reference, format: { tokenizer, chat, bos: true }, game, microBatchSize: 2 });
      const got = (await reward(batch)) as number[];
      got.forEach((g, i) => expect(Math.abs(g - expected[i])).toBeLessThan(1e-4));
      vars.forEach((v, i) => v.assign(saved[i]));
      tf.dispose(saved);
      reference.dispose();
    });
  } finally {
    model.dispose();
  }
}, 60_000);

it('the fixed prompt set (GRPO baseline) never contains a held-out query', () => {
  const game = arithmeticGame({ digits: 1, ops: ['+'] }); // 100 problems: overlaps are certain without the filter
  const held = new Set(heldOutSet(game, { size: 50, seed: 1 }).map((q) => game.formatQuery(q)));
  const set = fixedPromptSet(game, { size: 40, seed: 2 }, { size: 50, seed: 1 });
  expect(set).toHaveLength(40);
  expect(set.filter((q) => held.has(game.formatQuery(q)))).toEqual([]);
  expect(new Set(set.map((q) => game.formatQuery(q))).size).toBe(40);
  const unfiltered = heldOutSet(game, { size: 40, seed: 2 });
  expect(unfiltered.some((q) => held.has(game.formatQuery(q)))).toBe(true); // the filter is doing work
});
