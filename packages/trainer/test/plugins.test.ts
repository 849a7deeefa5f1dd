// A fork swaps the game or the reward by editing only its recipe and its own module: modules named
// in a recipe are resolved relative to it, checked against core's Game / RewardFn, and trained with.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel, STORIES_260K } from '@agon/models';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import { gameFromConfig, loadGameModule, loadRecipe, loadRewardModule, parseTrainConfig, train } from '@agon/trainer';
import { captureProgress, SMALL } from './helpers.js';

const PLUGINS = fileURLToPath(new URL('./plugins', import.meta.url));

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

it('trains with a recipe naming its own game and reward modules, relative to the recipe', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'agon-plugins-'));
  const policy = await loadModel(STORIES_260K);
  try {
    const recipe = join(PLUGINS, 'recipe.tmp.json');
    const raw = {
      ...SMALL,
      steps: 1,
      eval: { size: 4, maxNewTokens: 3 },
      game: { module: './count-game.js', options: { words: ['cat', 'tree', 'happy', 'garden'] } },
      rewards: [{ module: './short-reward.js', weight: 2, options: { scale: 1 } }],
    };
    await writeFile(recipe, JSON.stringify(raw));
    const loaded = await loadRecipe(recipe);
    await rm(recipe);
    expect((loaded.raw.game as { module: string }).module).toBe(join(PLUGINS, 'count-game.js'));
    await expectNoLeaks(async () => {
      const result = await train(loaded.raw, { out: dir, policy, exporter: null, progress: captureProgress() });
      expect(result.steps).toBe(1);
      expect(result.eval).toBeDefined(); // the module's game is verifiable: held-out evaluation runs
    });
    const rows = (await readFile(join(dir, 'samples.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { role: string; answer: string; reward: number });
    const solver = rows.filter((r) => r.role === 'solver');
    expect(solver.length).toBeGreaterThan(0);
    for (const r of solver) expect(r.reward).toBeCloseTo(2 / (1 + r.answer.length), 12);
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as { game: { module: string } };
    expect(config.game.module).toBe(join(PLUGINS, 'count-game.js')); // absolute: a resume finds it
  } finally {
    policy.model.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}, 120_000);

it('names what a module lacks, or why it cannot be imported', async () => {
  const game = (module: string) => gameFromConfig(parseTrainConfig({ game: { module: join(PLUGINS, module) } }).game);
  await expect(game('not-a-game.js')).rejects.toThrow(/config: field game.module: .*not-a-game.js: the game lacks parseQuery\(\) \(a core Game has/);
  await expect(game('missing.js')).rejects.toThrow(/config: field game.module: cannot import .*missing.js/);
  await expect(game('short-reward.js')).rejects.toThrow(/short-reward.js exports neither createGame\(options\) nor a default Game/);
  const policy = await loadModel(STORIES_260K);
  try {
    const reward = train({ rewards: [{ module: join(PLUGINS, 'count-game.js') }] }, { out: join(tmpdir(), 'agon-never'), evaluate: null, policy });
    await expect(reward).rejects.toThrow(/config: field rewards\[\].module: .*count-game.js exports neither createReward\(options\) nor a default RewardFn/);
  } finally {
    policy.model.dispose();
  }
});

it('checks what a module\'s game and reward return, naming the module', async () => {
  await expect(loadGameModule(join(PLUGINS, 'prose-prompt-game.js'), {})).rejects.toThrow(
    /config: field game.module: .*prose-prompt-game.js: challengerPrompt\(\) returned "Write a word." \(string\); expected chat messages, an array of \{ role, content \}/,
  );
  const batch = ['a', 'b', 'c'].map((answer, i) => ({ query: 'q', answer, queryIndex: 0, answerIndex: i }));
  const faulty = (fault: string) => loadRewardModule(join(PLUGINS, 'faulty-reward.js'), { fault }).then((r) => r(batch));
  await expect(faulty('short')).rejects.toThrow(/reward .*faulty-reward.js: returned 2 values for 3 interactions; a RewardFn gives one number \(or null\) per interaction/);
  await expect(faulty('text')).rejects.toThrow(/reward .*faulty-reward.js: value 0 is "1" \(string\); a RewardFn gives one number \(or null\) per interaction/);
  await expect(faulty('undefined')).rejects.toThrow(/reward .*faulty-reward.js: value 0 is undefined; a RewardFn gives one number \(or null\) per interaction/);
  const good = await loadRewardModule(join(PLUGINS, 'short-reward.js'), {});
  expect(await good(batch)).toEqual([0.5, 0.5, 0.5]);
});

it('names what a game lacks to be verifiable when the recipe relies on its verifier', async () => {
  const policy = await loadModel(STORIES_260K);
  try {
    const run = train({ game: { module: join(PLUGINS, 'half-verifiable-game.js') } }, { out: join(tmpdir(), 'agon-never'), evaluate: null, policy });
    await expect(run).rejects.toThrow(/config: field rewards: game 'half' has no verifier: it lacks formatQuery\(\), evalSet\(\) \(a verifiable game has verify\(query, answer\), formatQuery\(query\) and evalSet\(\{ size, seed \}\)\); add them, or give at least one reward \(remote, model or your own module\)/);
  } finally {
    policy.model.dispose();
  }
});

it('validates the recipe shape: one of name or module, known built-ins', () => {
  const fails = (input: unknown) => {
    try {
      parseTrainConfig(input, 'r.json');
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };
  expect(fails({ game: { name: 'sort', module: './x.js' } })).toContain('r.json: field game.name: give exactly one of name (arithmetic, sort, reverse, lsp) or module');
  expect(fails({ game: {} })).toContain('r.json: field game.name: give exactly one of name');
  expect(fails({ rewards: [{ type: 'judge' }] })).toContain('r.json: field rewards.0.type: unknown reward "judge"; expected one of verifier, remote, model, or { "module": "./your-reward.js" }');
  expect(fails({ rewards: [{ module: './r.js', wieght: 2 }] })).toContain('r.json: field rewards.0');
  expect(parseTrainConfig({ rewards: [{ module: './r.js' }] }).rewards).toEqual([{ type: 'module', module: './r.js', weight: 1, options: {} }]);
});
