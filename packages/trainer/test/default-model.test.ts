// The shipped default model (packages/trainer/assets/default-model, made by tools/default-model):
// it loads through the ordinary Hugging Face path, its logits equal those of the independent
// PyTorch implementation that trained it, its tokenizer round-trips the game's text, and the
// evaluation harness reproduces the committed "before" accuracy, answer by answer against a plain
// uncached greedy loop.
import { readFile, stat } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import { arithmeticGame, type ArithmeticQuery } from '@agon/game';
import { createSampler, loadModel, type LoadedModel } from '@agon/models';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import { DEFAULT_MODEL, evaluate, heldOutSet, promptFormat, solverPromptIds } from '@agon/trainer';

interface Golden {
  cases: { ids: number[]; firstLogits: number[]; lastLogits: number[] }[];
  heldOutGreedy: Record<'carry' | 'plain', { correct: number; n: number }>;
}

const golden = JSON.parse(await readFile(new URL('./default-golden.json', import.meta.url), 'utf8')) as Golden;
const recipe = JSON.parse(await readFile(new URL('../../../recipes/default.json', import.meta.url), 'utf8')) as {
  game: { options: { digits: number; ops: ('+' | '-' | '*')[] } };
  eval: { size: number; seed: number; maxNewTokens: number };
};
const game = arithmeticGame(recipe.game.options);
let loaded: LoadedModel;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  loaded = await loadModel(DEFAULT_MODEL);
});
afterAll(() => loaded.model.dispose());

/** Token ids of the Solver's prompt, the way training and the harness build them. */
const solverIds = (q: ArithmeticQuery) => solverPromptIds(promptFormat(loaded), game, q);

it('is a small Llama-family Hugging Face folder', async () => {
  const bytes = (await stat(`${DEFAULT_MODEL}/model.safetensors`)).size;
  expect(bytes).toBeLessThan(2 * 1024 * 1024);
  expect(loaded.model.config.vocabSize).toBe(loaded.tokenizer.vocabSize);
  expect(loaded.chat).toBeDefined();
  expect(loaded.eosIds).toContain(loaded.tokenizer.eosId);
});

it('gives the logits of the PyTorch model that trained it (float32, |Δ| ≤ 2e-4)', async () => {
  await expectNoLeaks(async () => {
    for (const c of golden.cases) {
      const ids = tf.tensor2d([c.ids], [1, c.ids.length], 'int32');
      const { logits } = loaded.model.forward(ids); // [1, T, V]
      const all = (await logits.array()) as number[][][];
      ids.dispose();
      logits.dispose();
      const maxDiff = (got: number[], want: number[]) => Math.max(...want.map((w, i) => Math.abs(w - got[i])));
      expect(maxDiff(all[0][0], c.firstLogits)).toBeLessThan(2e-4);
      expect(maxDiff(all[0][c.ids.length - 1], c.lastLogits)).toBeLessThan(2e-4);
    }
  });
});

it('round-trips the game text through its tokenizer; digits are one token each', () => {
  const tok = loaded.tokenizer;
  const texts = [
    game.challengerPrompt()[0].content,
    ...heldOutSet(game, { size: 20, seed: 5 }).flatMap((q) => [game.solverPrompt(q)[0].content, game.formatQuery(q), game.referenceAnswer(q)]),
  ];
  for (const t of texts) expect(tok.decode(tok.encode(t))).toBe(t);
  // Numbers are spelled digit by digit, so a carry error is one wrong token, not a different word.
  const pieces = tok.encode('9087').map((id) => tok.decode([id])).filter((p) => p !== '');
  expect(pieces).toEqual(['9', '0', '8', '7']);
  // The challenger prompt (the LSP prompt, ~900 characters) fits in a few hundred tokens.
  expect(solverIds({ a: '12', op: '+', b: '7' }).length).toBeLessThan(24);
  const chat = loaded.chat;
  if (!chat) throw new Error('no chat template');
  const challenger = tok.encode(chat.render(game.challengerPrompt(), { addGenerationPrompt: true }), { bos: true });
  expect(challenger.length).toBeLessThan(loaded.model.config.maxPositions - 32);
});

it('reproduces the committed "before" accuracy on the held-out set, answer by answer', async () => {
  const set = heldOutSet(game, { size: recipe.eval.size, seed: recipe.eval.seed });
  const result = await expectNoLeaks(() =>
    evaluate(createSampler(loaded.model, loaded.tokenizer, { microBatchSize: 32 }), promptFormat(loaded), game, set, { maxNewTokens: recipe.eval.maxNewTokens }),
  );
  // pretrain.py's own greedy decoding in PyTorch, on the same held-out problems.
  const { carry, plain } = golden.heldOutGreedy;
  expect(result.n).toBe(carry.n + plain.n);
  expect(result.correct).toBe(carry.correct + plain.correct);
  expect(result.accuracy).toBeCloseTo((carry.correct + plain.correct) / result.n, 12);
  // The harness (batched, left-padded, KV-cached) equals a plain uncached greedy loop on a sample.
  await expectNoLeaks(async () => {
    for (const q of set.slice(0, 12)) {
      const ids = solverIds(q);
      const out: number[] = [];
      for (let t = 0; t < recipe.eval.maxNewTokens; t++) {
        const input = tf.tensor2d([[...ids, ...out]], [1, ids.length + out.length], 'int32');
        const { logits } = loaded.model.forward(input);
        const last = tf.tidy(() => logits.slice([0, ids.length + out.length - 1, 0], [1, 1, -1]).reshape([-1]).argMax());
        const id = (await last.data())[0];
        tf.dispose([input, logits, last]);
        if (id === loaded.tokenizer.eosId) break;
        out.push(id);
      }
      const row = result.rows.find((r) => r.query === game.formatQuery(q));
      expect(row?.answer).toBe(loaded.tokenizer.decode(out));
      expect(row?.correct).toBe(game.verify(q, loaded.tokenizer.decode(out)) === 1);
    }
  });
}, 120_000);

it('checks the held-out set request and scores an empty set as 0 of 0', async () => {
  expect(() => heldOutSet(game, { size: 0, seed: 1 })).toThrow(/field 'size' must be an integer >= 1, got 0/);
  expect(() => heldOutSet(game, { size: 5, seed: 1.5 })).toThrow(/field 'seed' must be an integer, got 1.5/);
  expect(heldOutSet(game, { size: 30, seed: 9 })).toEqual(game.evalSet({ size: 30, seed: 9 }));
  const empty = await expectNoLeaks(() => evaluate(createSampler(loaded.model, loaded.tokenizer), promptFormat(loaded), game, []));
  expect(empty).toEqual({ accuracy: 0, n: 0, correct: 0, finishedByLength: 0, rows: [] });
});
