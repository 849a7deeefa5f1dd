// The trainer runs on @agon/models/testing's scripted CausalLM: no weights, no download, and the
// script decides every sampled token, so a fork's game or reward is tested in milliseconds.
import * as tf from '@tensorflow/tfjs-core';
import type { Tokenizer } from '@agon/core';
import { arithmeticGame } from '@agon/game';
import { createSampler } from '@agon/models';
import { scriptedModel } from '@agon/models/testing';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import { fixedQueries, train } from '@agon/trainer';
import { captureProgress, tempDir } from './helpers.js';

/** ASCII characters as ids 0..127, BOS 128, EOS 129. */
const ascii: Tokenizer = {
  bosId: 128,
  eosId: 129,
  vocabSize: 130,
  encode: (text, o) => [...(o?.bos ? [128] : []), ...Array.from(text, (c) => c.charCodeAt(0) & 127)],
  decode: (ids) => String.fromCharCode(...ids.filter((i) => i < 128)),
};

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

it('samples what the script says, with cache and left padding', async () => {
  const model = scriptedModel({ vocabSize: 130, next: (ctx) => (ctx.length < 6 ? 'x'.charCodeAt(0) : 129) });
  try {
    await expectNoLeaks(async () => {
      const out = await createSampler(model, ascii).generate([ascii.encode('ab', { bos: true }), ascii.encode('a', { bos: true })], { maxNewTokens: 8, temperature: 1, seed: 1 });
      expect(out.map((c) => c.text)).toEqual(['xxx', 'xxxx']); // each row's context is its own, padding left out
      expect(out.every((c) => c.finishReason === 'stop')).toBe(true);
    });
  } finally {
    model.dispose();
  }
});

it('trains on it: the script leads with "7" (confidence 4, sampled at temperature 1), the verifier scores, the bias moves', async () => {
  const model = scriptedModel({ vocabSize: 130, next: (ctx) => (ascii.decode([...ctx]).endsWith('\n') ? '7'.charCodeAt(0) : 129), confidence: 4 });
  const game = arithmeticGame({ digits: 1, ops: ['+'] });
  const queries = ['3 + 4', '2 + 2'].map((t) => game.parseQuery(t)) as { a: string; op: '+'; b: string }[];
  const { dir, cleanup } = await tempDir('scripted');
  try {
    const before = model.bias.dataSync().slice();
    await expectNoLeaks(async () => {
      const r = await train(
        { steps: 2, queriesPerStep: 2, answersPerQuery: 2, sampling: { solverMaxNewTokens: 4 }, optimizer: { lr: 0.1 }, eval: null, checkpointEvery: 0, diagnostics: { measureKl: false } },
        { out: dir, policy: { model, tokenizer: ascii, eosIds: [129] }, game, queries: fixedQueries(queries), exporter: null, progress: captureProgress() },
      );
      expect(r.steps).toBe(2);
      expect(r.skippedSteps).toBe(0);
    });
    const moved = tf.tidy(() => tf.max(tf.abs(tf.sub(model.bias, tf.tensor1d(before)))).dataSync()[0]);
    expect(moved).toBeGreaterThan(0);
  } finally {
    model.dispose();
    await cleanup();
  }
});
