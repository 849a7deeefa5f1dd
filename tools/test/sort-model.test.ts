// The sort model of docs/results.md's second game (tools/default-model/sort/model, made by
// make-data.mjs --game sort, pretrain.py and finish.mjs): it loads through the ordinary Hugging Face
// path, its logits equal those of the PyTorch model that trained it, and the evaluation harness
// reproduces PyTorch's greedy held-out accuracy — weak on lists with a repeated number by design.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { sortGame } from '@agon/game';
import { createSampler, loadModel, type LoadedModel } from '@agon/models';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import { evaluate, heldOutSet, loadRecipe, promptFormat } from '@agon/trainer';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = path.join(root, 'tools', 'default-model', 'sort');
interface Golden {
  cases: { ids: number[]; firstLogits: number[]; lastLogits: number[] }[];
  heldOutGreedy: Record<'repeat' | 'distinct', { correct: number; n: number }>;
}
const golden = JSON.parse(readFileSync(path.join(dir, 'golden.json'), 'utf8')) as Golden;
let loaded: LoadedModel;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  loaded = await loadModel(path.join(dir, 'model'));
});
afterAll(() => loaded.model.dispose());

it('gives the logits of the PyTorch model that trained it (float32, |Δ| ≤ 2e-4)', async () => {
  await expectNoLeaks(async () => {
    for (const c of golden.cases) {
      const ids = tf.tensor2d([c.ids], [1, c.ids.length], 'int32');
      const { logits } = loaded.model.forward(ids);
      const all = (await logits.array()) as number[][][];
      tf.dispose([ids, logits]);
      const maxDiff = (got: number[], want: number[]) => Math.max(...want.map((w, i) => Math.abs(w - got[i])));
      expect(maxDiff(all[0][0], c.firstLogits)).toBeLessThan(2e-4);
      expect(maxDiff(all[0][c.ids.length - 1], c.lastLogits)).toBeLessThan(2e-4);
    }
  });
});

it('its recipes are the default game\'s recipes of the same rows with only model, game and lengths changed', async () => {
  for (const [name, twin] of [['lsp-zero', 'default'], ['lsp', 'results-lsp'], ['grpo', 'results-grpo']] as const) {
    const { config } = await loadRecipe(path.join(dir, `${name}.json`));
    const { config: base } = await loadRecipe(twin);
    expect(config.model).toBe('tools/default-model/sort/model');
    expect(config.game).toEqual({ name: 'sort', options: { length: 5, maxValue: 9 } });
    expect(config.sampling).toEqual({ ...base.sampling, challengerMaxNewTokens: 20, solverMaxNewTokens: 20 });
    expect(config.eval).toEqual({ ...base.eval, maxNewTokens: 20 });
    const rest = (c: typeof config) => ({ ...c, model: '', game: {}, sampling: {}, eval: {}, $comment: '' });
    expect(rest(config)).toEqual(rest(base));
  }
});

it('reproduces PyTorch greedy held-out accuracy through the evaluation harness', async () => {
  const { config } = await loadRecipe(path.join(dir, 'lsp-zero.json'));
  const game = sortGame(config.game.options as { length: number; maxValue: number });
  const held = config.eval;
  if (!held) throw new Error('tools/default-model/sort/lsp-zero.json: eval is missing');
  const set = heldOutSet(game, { size: held.size, seed: held.seed });
  const result = await expectNoLeaks(() =>
    evaluate(createSampler(loaded.model, loaded.tokenizer, { microBatchSize: 32 }), promptFormat(loaded), game, set, { maxNewTokens: held.maxNewTokens }),
  );
  const { repeat, distinct } = golden.heldOutGreedy;
  expect(result.n).toBe(repeat.n + distinct.n);
  expect(result.correct).toBe(repeat.correct + distinct.correct);
  // Weak on the hard instances by construction: lists with a repeated number are mostly wrong.
  expect(repeat.correct / repeat.n).toBeLessThan(distinct.correct / distinct.n - 0.3);
}, 120_000);
