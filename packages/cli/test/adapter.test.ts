// A LoRA run's adapter from the command line: `agon train` with `lora` writes runs/x/adapter (PEFT
// files naming the base model); `agon eval --adapter` and `agon generate --adapter` use it on its
// base and give what the adapted model gives in-process; bad adapter folders are one-line errors.
// One training step on stories260K rarely moves the adapter (B starts at zero and arithmetic gives
// it no reward variance), so the generate check also uses a copy with random B, written by the same
// saveLoraAdapters the run uses, to see that the adapter is applied.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type CliIO } from '@agon/cli';
import * as tf from '@tensorflow/tfjs-core';
import { generate, loadLoraAdapters, loadModel, saveLoraAdapters, STORIES_260K } from '@agon/models';
import { initBackend } from '@agon/tensor';

function capture(): CliIO & { outLines: string[]; errLines: string[] } {
  const outLines: string[] = [];
  const errLines: string[] = [];
  // The line naming the backend each command prints first is not part of the errors checked here.
  return { outLines, errLines, out: (l) => void outLines.push(l), err: (l) => void (/^agon \w+: backend /.test(l) || errLines.push(l)) };
}

let dir: string;
let adapter: string;
let moved: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agon-cli-adapter-'));
  const recipe = join(dir, 'lora.json');
  await writeFile(
    recipe,
    JSON.stringify({
      model: STORIES_260K,
      backend: 'cpu',
      lora: { r: 4, alpha: 64, seed: 1 },
      game: { name: 'arithmetic', options: { digits: 1, ops: ['+'] } },
      queries: { fixed: { size: 4, seed: 9 } },
      steps: 1,
      queriesPerStep: 2,
      answersPerQuery: 2,
      optimizer: { lr: 0.05 },
      sampling: { solverMaxNewTokens: 4 },
      eval: null,
    }),
  );
  const io = capture();
  const out = join(dir, 'run');
  const code = await main(['train', '--config', recipe, '--out', out, '--seed', '3'], io);
  if (code !== 0) throw new Error(io.errLines.join('\n'));
  adapter = join(out, 'adapter');
  await initBackend({ backend: 'cpu' });
  const lora = await loadLoraAdapters((await loadModel(STORIES_260K)).model, adapter);
  let i = 0;
  for (const { B } of lora.adapters.values()) tf.tidy(() => B.assign(tf.randomNormal(B.shape, 0, 0.5, 'float32', i++)));
  moved = join(dir, 'moved');
  await saveLoraAdapters(lora, moved, { baseModelNameOrPath: STORIES_260K });
  lora.dispose();
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('--adapter', () => {
  it('agon generate --adapter samples from the adapted base model', async () => {
    const io = capture();
    const args = ['--prompt', 'Once upon a time', '--temperature', '0', '--max-new-tokens', '12', '--backend', 'cpu', '--json'];
    const run = capture();
    expect(await main(['generate', '--adapter', adapter, ...args], run)).toBe(0);
    expect(JSON.parse(run.outLines[0])).toMatchObject({ promptIds: expect.any(Array), ids: expect.any(Array) });
    expect(await main(['generate', '--adapter', moved, ...args], io)).toBe(0);
    const got = JSON.parse(io.outLines[0]) as { ids: number[]; logprobs: number[]; promptIds: number[] };
    // In-process: the same adapter on the same base.
    const { model, tokenizer, eosIds } = await loadModel(STORIES_260K);
    const lora = await loadLoraAdapters(model, moved);
    const [want] = await generate(lora, tokenizer, [got.promptIds], { maxNewTokens: 12, temperature: 0, seed: 0, stopIds: eosIds });
    expect(got.ids).toEqual(want.ids);
    got.logprobs.forEach((lp, i) => expect(Math.abs(lp - want.logprobs[i])).toBeLessThan(1e-5));
    // The adapter changed the model: the base model's log-probs of the same ids differ.
    const base = capture();
    expect(await main(['generate', '--model', STORIES_260K, ...args], base)).toBe(0);
    const plain = JSON.parse(base.outLines[0]) as { ids: number[]; logprobs: number[] };
    const n = Math.min(plain.ids.length, got.ids.length);
    const same = plain.ids.slice(0, n).every((id, i) => id === got.ids[i]);
    expect(same && plain.logprobs.slice(0, n).every((lp, i) => Math.abs(lp - got.logprobs[i]) < 1e-4)).toBe(false);
    lora.dispose();
  }, 60_000);

  it('agon eval --adapter runs/x/adapter scores the adapted model on its base (no --model needed)', async () => {
    const args = ['--game', 'arithmetic', '--options', '{"digits":1}', '--size', '3', '--max-new-tokens', '3', '--backend', 'cpu', '--json'];
    const a = capture();
    expect(await main(['eval', '--adapter', adapter, ...args], a)).toBe(0);
    const b = capture();
    expect(await main(['eval', '--model', STORIES_260K, '--adapter', adapter, ...args], b)).toBe(0);
    const r = JSON.parse(a.outLines[0]) as { n: number; accuracy: number; rows: unknown[] };
    expect(r.n).toBe(3);
    expect(JSON.parse(b.outLines[0])).toEqual(r);
  }, 60_000);

  it.each([
    ['generate', ['--adapter', '/nonexistent/adapter'], "agon: generate: --adapter /nonexistent/adapter: /nonexistent/adapter/adapter_config.json: not found (expected a PEFT LoRA folder)"],
    ['eval', ['--game', 'arithmetic'], 'agon: eval: --model PATH (or --adapter DIR) is required'],
  ])('%s %j is a one-line error', async (command, args, message) => {
    const io = capture();
    expect(await main([command, ...args], io)).toBe(1);
    expect(io.errLines).toEqual([message]);
  });

  it('an adapter whose base is not local, or whose rank does not fit, is a one-line error naming the file', async () => {
    const bad = join(dir, 'bad');
    await rm(bad, { recursive: true, force: true });
    const { cp, readFile } = await import('node:fs/promises');
    await cp(adapter, bad, { recursive: true });
    const cfg = JSON.parse(await readFile(join(bad, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(bad, 'adapter_config.json'), JSON.stringify({ ...cfg, base_model_name_or_path: 'meta-llama/Llama-3.2-1B' }));
    const io = capture();
    expect(await main(['generate', '--adapter', bad, '--backend', 'cpu'], io)).toBe(1);
    expect(io.errLines).toEqual([
      `agon: generate: --adapter ${bad}: its base model 'meta-llama/Llama-3.2-1B' (base_model_name_or_path) is not a local file or folder; pass --model PATH`,
    ]);
    await writeFile(join(bad, 'adapter_config.json'), JSON.stringify({ ...cfg, r: 5 }));
    const io2 = capture();
    expect(await main(['generate', '--adapter', bad, '--backend', 'cpu'], io2)).toBe(1);
    expect(io2.errLines[0]).toMatch(new RegExp(`^agon: generate: --adapter ${bad}: ${bad}/adapter_model\\.safetensors: tensor '.*lora_B\\.weight' has shape \\[\\d+, 4\\], expected \\[\\d+, 5\\]$`));
  });
});
