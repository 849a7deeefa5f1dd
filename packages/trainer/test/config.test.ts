// Config validation at the edge: bad values are clear errors naming the field, before any work.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { STORIES_260K } from '@agon/models';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import { parseTrainConfig, RECIPES_DIR, train, loadRecipe } from '@agon/trainer';

const fails = (input: unknown) => {
  try {
    parseTrainConfig(input, 'recipe.json');
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a validation error');
};

describe('parseTrainConfig', () => {
  it('fills every default', () => {
    const c = parseTrainConfig({});
    expect(c).toMatchObject({ model: 'default', steps: 20, queriesPerStep: 8, answersPerQuery: 4, seed: 0, selfReward: null, queries: null });
    expect(c.loss).toEqual({ beta: 0, alphaCh: 1, kl: 'k3', aggregation: 'sequenceSum', scaleByStd: false, invalidReward: -1, repeatPenalty: null, ppoEpochs: 1, miniBatches: 1 });
    expect(c.optimizer.schedule).toBe('constant');
    expect(c.game).toEqual({ name: 'arithmetic', options: {} });
  });

  it.each([
    [{ answersPerQuery: 1 }, 'recipe.json: field answersPerQuery: answersPerQuery (G) must be ≥ 2'],
    [{ queriesPerStep: 0 }, 'recipe.json: field queriesPerStep:'],
    [{ loss: { beta: -0.1 } }, 'recipe.json: field loss.beta: beta must be ≥ 0'],
    [{ game: { name: 'chess' } }, 'recipe.json: field game.name: unknown game "chess"; expected one of arithmetic, sort, reverse, lsp'],
    [{ stpes: 3 }, 'recipe.json: field (root): Unrecognized key: "stpes"'],
    [{ optimizer: { lr: 0 } }, 'recipe.json: field optimizer.lr:'],
    [{ queries: { fixed: { size: 0, seed: 1 } } }, 'recipe.json: field queries.fixed.size:'],
  ])('rejects %j', (input, message) => {
    expect(fails(input)).toContain(message);
  });

  it('lists every problem at once', () => {
    const lines = fails({ answersPerQuery: 1, queriesPerStep: 0 }).split('\n');
    expect(lines).toHaveLength(2);
  });

  it('train() rejects a bad config before loading anything', async () => {
    await expect(train({ answersPerQuery: 1, model: '/nonexistent/model' }, { out: '/nonexistent/out' })).rejects.toThrow(/field answersPerQuery/);
  });

  it('rejects bad game options with the field named', async () => {
    await expect(train({ game: { name: 'arithmetic', options: { digits: 0 } } }, { out: '/nonexistent/out', policy: undefined })).rejects.toThrow(
      /config: field game.options: arithmetic: option digits must be an integer in 1..30, got 0/,
    );
  });
});

describe('a piece that fails to load', () => {
  it('names the field and frees what was already loaded', async () => {
    await initBackend({ backend: 'wasm' });
    await expectNoLeaks(async () => {
      await expect(
        train({ model: STORIES_260K, backend: 'wasm', game: { name: 'lsp', challengerPrompt: 'Once' }, rewards: [{ type: 'model', path: '/nonexistent/rm' }] }, { out: '/nonexistent/out' }),
      ).rejects.toThrow(/^config: field rewards\[\]\.path: \/nonexistent\/rm: neither a llama2.c checkpoint file nor a Hugging Face folder/);
    });
  }, 30_000);
});

describe('recipes', () => {
  it.each(['default', 'lsp-instruct'])('recipes/%s.json is a valid config', async (name) => {
    const { config, file } = await loadRecipe(name);
    expect(file).toBe(join(RECIPES_DIR, `${name}.json`));
    expect(JSON.parse(await readFile(file, 'utf8')).model).toBe(config.model);
  });

  it('a missing recipe is a clear error, by name or by path', async () => {
    await expect(loadRecipe('no-such-recipe')).rejects.toThrow(`${join(RECIPES_DIR, 'no-such-recipe.json')}: recipe not found`);
    await expect(loadRecipe('/nonexistent/r.json')).rejects.toThrow('/nonexistent/r.json: recipe not found');
  });
});

describe('rollouts config', () => {
  const fails = (input: object) => {
    try {
      parseTrainConfig(input, 'recipe.json');
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  };
  it('defaults to rollouts in this process, one job per iteration, no lag', () => {
    expect(parseTrainConfig({}).rollouts).toEqual({ server: null, jobsPerIteration: 1, maxPolicyLag: 0, timeoutSeconds: 600 });
  });
  it.each([
    [{ rollouts: { server: 'nats://me:pw@host:4222' } }, 'recipe.json: field rollouts.server: expected nats://HOST:PORT (tls://, ws://, wss:// too) with no user:password@'],
    [{ rollouts: { server: 'http://host:4222' } }, 'recipe.json: field rollouts.server: expected nats://HOST:PORT'],
    [{ queriesPerStep: 2, rollouts: { jobsPerIteration: 3 } }, 'recipe.json: field rollouts.jobsPerIteration: must be at most queriesPerStep (2)'],
    [{ rollouts: { server: 'nats://h:4222', maxPolicyLag: 1 } }, 'recipe.json: field rollouts.maxPolicyLag: above 0 needs loss.ppoClip'],
    [{ loss: { ppoClip: 0.2 }, rollouts: { maxPolicyLag: 1 } }, 'recipe.json: field rollouts.maxPolicyLag: above 0 needs rollouts.server'],
  ])('rejects %j', (input, message) => {
    expect(fails(input)).toContain(message);
  });
  it('accepts a server, jobs and lag that fit', () => {
    const c = parseTrainConfig({ loss: { ppoClip: 0.2 }, rollouts: { server: 'nats://10.0.0.2:4222', jobsPerIteration: 4, maxPolicyLag: 2 } });
    expect(c.rollouts).toMatchObject({ server: 'nats://10.0.0.2:4222', jobsPerIteration: 4, maxPolicyLag: 2 });
  });
});
