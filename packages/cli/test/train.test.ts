// `agon train` and `agon eval` through main(): flag and config errors are one clear line before any
// work; a real run on stories260K writes its folder, prints both accuracies and resumes.
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '@agon/cli';
import { STORIES_260K } from '@agon/models';
import { capture } from './helpers.js';

/** The trainer's plug-in test modules: games and rewards of a user's own. */
const PLUGINS = fileURLToPath(new URL('../../trainer/test/plugins', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agon-cli-train-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('agon train', () => {
  it('--help lists the flags', async () => {
    const io = capture();
    expect(await main(['train', '--help'], io)).toBe(0);
    expect(io.outLines[0]).toBe('usage: agon train [--config FILE] [--out DIR] [--resume DIR] [--overwrite] [--backend B] [--seed S] [--steps N] [--rollout-server URL]');
  });

  it.each([
    [['--steps', '0'], "agon: train: --steps must be an integer >= 1, got '0'"],
    [['--steps', '-1'], "agon: train: --steps must be an integer >= 1, got '-1'"],
    [['--seed', '1.5'], "agon: train: --seed must be an integer >= 0 and <= 4294967295, got '1.5'"],
    [['--config', '/nonexistent/r.json'], 'agon: train: --config: /nonexistent/r.json: recipe not found'],
    [['--resume', '/tmp/x', '--seed', '2'], "agon: train: --resume takes the run's own config and seed"],
    [['--stepz', '3'], "agon: train: Unknown option '--stepz'"],
    [['--resume', '/tmp/x', '--overwrite'], 'agon: train: --resume continues a run and --overwrite starts one over; pick one'],
  ])('%j is a one-line error, exit 1', async (args, message) => {
    const io = capture();
    expect(await main(['train', ...args], io)).toBe(1);
    expect(io.errLines[0]).toContain(message);
  });

  it('a recipe with bad values fails before any work, naming the file and the fields', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ answersPerQuery: 1, loss: { beta: -1 }, game: { name: 'go' } }));
    const io = capture();
    expect(await main(['train', '--config', file], io)).toBe(1);
    const text = io.errLines.join('\n');
    expect(text).toContain(`${file}: field answersPerQuery: answersPerQuery (G) must be ≥ 2`);
    expect(text).toContain(`${file}: field loss.beta: beta must be ≥ 0`);
    expect(text).toContain(`${file}: field game.name: unknown game "go"`);
  });

  it('trains from a recipe, prints accuracy before and after, and resumes with more steps', async () => {
    const file = join(dir, 'tiny.json');
    await writeFile(
      file,
      JSON.stringify({
        model: STORIES_260K,
        backend: 'wasm',
        game: { name: 'arithmetic', options: { digits: 1, ops: ['+'] } },
        queries: { fixed: { size: 4, seed: 9 } },
        steps: 1,
        queriesPerStep: 2,
        answersPerQuery: 2,
        sampling: { solverMaxNewTokens: 3 },
        eval: { size: 2, seed: 1, maxNewTokens: 3 },
      }),
    );
    const out = join(dir, 'run');
    const io = capture();
    expect(await main(['train', '--config', file, '--out', out, '--seed', '4'], io)).toBe(0);
    expect(io.outLines.join('\n')).toMatch(/held-out accuracy before: \d\.\d{3}\nheld-out accuracy after: {2}\d\.\d{3}/);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ steps: 1, seed: 4, eval: { before: expect.any(Number), after: expect.any(Number) } });

    const again = capture();
    expect(await main(['train', '--resume', out, '--steps', '2'], again)).toBe(0);
    expect(again.outLines[0]).toBe(`agon train: resuming ${out}/config.json → ${out}`);
    const lines = (await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).step)).toEqual([1, 2]);

    // A fresh run into the used folder is refused, and nothing in it is touched.
    const listing = async () => Promise.all(['checkpoints', 'model', 'summary.json', 'metrics.jsonl'].map((f) => readdir(out).then((names) => names.includes(f))));
    const refused = capture();
    expect(await main(['train', '--config', file, '--out', out, '--seed', '5'], refused)).toBe(1);
    expect(refused.errLines).toEqual([
      `agon: train: ${out} already holds a run (config.json, metrics.jsonl, samples.jsonl, checkpoints, model, summary.json, report.html); continue it with --resume ${out}, or start over with --overwrite (deletes its checkpoints and model)`,
    ]);
    expect(await listing()).toEqual([true, true, true, true]);
    expect(await readdir(join(out, 'checkpoints'))).toEqual(['step-000001', 'step-000002']);

    // --overwrite replaces it: old checkpoints cannot be resumed by mistake.
    const fresh = capture();
    expect(await main(['train', '--config', file, '--out', out, '--seed', '5', '--overwrite'], fresh)).toBe(0);
    expect(await readdir(join(out, 'checkpoints'))).toEqual(['step-000001']);
    expect((await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(1);
  }, 120_000);
});

describe('agon eval', () => {
  it('prints held-out accuracy of a model on a verifiable game', async () => {
    const io = capture();
    expect(await main(['eval', '--model', STORIES_260K, '--game', 'arithmetic', '--options', '{"digits":1}', '--size', '3', '--max-new-tokens', '3', '--backend', 'wasm'], io)).toBe(0);
    expect(io.outLines[0]).toMatch(/^arithmetic: accuracy \d\.\d{3} \(\d\/3 held-out, seed 1\)$/);
  }, 60_000);

  it('plays a verifiable game of the user\'s own, named by its module path', async () => {
    const io = capture();
    expect(await main(['eval', '--model', STORIES_260K, '--game', join(PLUGINS, 'count-game.js'), '--size', '3', '--max-new-tokens', '3', '--backend', 'wasm'], io)).toBe(0);
    expect(io.outLines[0]).toMatch(/^count: accuracy \d\.\d{3} \(\d\/3 held-out, seed 1\)$/);
  }, 60_000);

  it('a model whose context cannot hold the prompt is one line naming the model, exit 1', async () => {
    const model = join(dir, 'short-context');
    await cp(fileURLToPath(new URL('../../models/test/fixtures/llama-tiny', import.meta.url)), model, { recursive: true });
    const config = JSON.parse(await readFile(join(model, 'config.json'), 'utf8'));
    await writeFile(join(model, 'config.json'), JSON.stringify({ ...config, max_position_embeddings: 1 }));
    const io = capture();
    expect(await main(['eval', '--model', model, '--game', 'arithmetic', '--size', '2', '--backend', 'cpu'], io)).toBe(1);
    const errors = io.errLines.filter((l) => !l.startsWith('agon eval: backend '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^agon: eval: --model ${model}: .*exceeds the model's 1 positions`));
  });

  it.each([
    [['--game', 'arithmetic'], 'agon: eval: --model PATH (or --adapter DIR) is required'],
    [['--model', 'x', '--game', 'lsp'], "agon: eval: game 'lsp' has no exact verifier"],
    [['--model', 'x', '--game', 'chess'], 'agon: eval: --game: unknown game "chess"; expected one of arithmetic, sort, reverse, lsp, or a path to your own game module'],
    [['--model', 'x', '--game', 'arithmetic', '--options', '{"digits":0}'], 'agon: eval: --options: arithmetic: option digits must be an integer in 1..30, got 0'],
    [['--model', 'x', '--game', 'arithmetic', '--options', '{"digitz":2}'], "agon: eval: --options: arithmetic: unknown option 'digitz'; options: digits, ops, maxChars"],
    [['--model', 'x', '--game', 'arithmetic', '--options', '{"ops":"+"}'], 'agon: eval: --options: arithmetic: option ops must be a non-empty list'],
    [['--model', 'x', '--game', 'arithmetic', '--size', '-3'], "agon: eval: --size must be an integer >= 1, got '-3'"],
    [['--model', 'x', '--game', './nope.js'], 'agon: eval: --game: cannot import ./nope.js'],
    [['--model', 'x', '--game', join(PLUGINS, 'not-a-game.js')], 'not-a-game.js: the game lacks parseQuery()'],
    [['--model', 'x', '--game', join(PLUGINS, 'count-game.js'), '--options', '[1]'], "agon: eval: --options must be a JSON object, got '[1]'"],
    [['--model', 'x', '--game', join(PLUGINS, 'half-verifiable-game.js')], "agon: eval: game 'half' has no exact verifier (a verifiable game has verify(query, answer), formatQuery(query) and evalSet({ size, seed }))"],
  ])('%j is a one-line error', async (args, message) => {
    const io = capture();
    expect(await main(['eval', ...args], io)).toBe(1);
    expect(io.errLines[0]).toContain(message);
  });
});
