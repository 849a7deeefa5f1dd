// Evaluation feeds the model the same tokens as training for the same query: a recording sampler
// sits in front of the real model and the run's training queries are drawn from the held-out set,
// so every Solver prompt of a rollout must be one of the evaluation's prompts.
import type { Sampler } from '@agon/core';
import { arithmeticGame } from '@agon/game';
import { createSampler, loadModel, STORIES_260K } from '@agon/models';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import { DEFAULT_MODEL, fixedQueries, heldOutSet, likelihoodScorer, promptFormat, promptIds, train } from '@agon/trainer';
import { captureProgress, tempDir } from './helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const EVAL = { size: 6, seed: 3 };

it.each([
  ['a llama2.c model without a chat template (stories260K)', STORIES_260K, false],
  ['a Hugging Face model with a chat template (the default model)', DEFAULT_MODEL, true],
])('evaluation and training give %s the same Solver prompt ids', async (_name, path, templated) => {
  const policy = await loadModel(path);
  expect(policy.chat !== undefined).toBe(templated);
  const { dir, cleanup } = await tempDir('parity');
  try {
    await expectNoLeaks(async () => {
      const game = arithmeticGame({ digits: 1, ops: ['+'] });
      const real = createSampler(policy.model, policy.tokenizer);
      const calls: { greedy: boolean; prompts: string[] }[] = [];
      const sampler: Sampler = {
        generate: (prompts, opts) => {
          calls.push({ greedy: opts.temperature === 0, prompts: prompts.map((p) => p.join(',')) });
          return real.generate(prompts, opts);
        },
      };
      const config = { steps: 1, queriesPerStep: 2, answersPerQuery: 2, sampling: { solverMaxNewTokens: 3 }, eval: { ...EVAL, maxNewTokens: 3 }, checkpointEvery: 0, diagnostics: { measureKl: false } };
      await train(config, { out: dir, policy, sampler, game, queries: fixedQueries(heldOutSet(game, EVAL)), exporter: null, progress: captureProgress() });
      const evaluation = calls.filter((c) => c.greedy);
      const training = calls.filter((c) => !c.greedy);
      expect(evaluation).toHaveLength(2); // before and after
      expect(training).toHaveLength(1); // the Solver's answers (fixed queries: no Challenger turn)
      const asked = new Set(evaluation[0].prompts);
      expect(asked.size).toBe(EVAL.size);
      for (const p of training[0].prompts) expect(asked.has(p)).toBe(true);
    });
  } finally {
    policy.model.dispose();
    await cleanup();
  }
}, 120_000);

it('the likelihood reward model reads the query as every prompt is rendered', async () => {
  const rm = await loadModel(STORIES_260K);
  try {
    await expectNoLeaks(async () => {
      const seen: number[][] = [];
      const recording = { ...rm, model: { ...rm.model, config: rm.model.config, forward: (ids: Parameters<typeof rm.model.forward>[0]) => (seen.push(ids.arraySync()[0]), rm.model.forward(ids)) } };
      await likelihoodScorer(recording as typeof rm).score([{ query: 'Once upon a time', answer: ' there was' }]);
      const prompt = promptIds(promptFormat(rm), [{ role: 'user', content: 'Once upon a time' }]);
      expect(seen[0].slice(0, prompt.length)).toEqual(prompt);
    });
  } finally {
    rm.model.dispose();
  }
}, 60_000);
