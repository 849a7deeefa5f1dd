// `agon generate` end to end on real files: the bundled stories260K (greedy must reproduce
// llama2.c run.c byte for byte) and a Hugging Face fixture folder with a chat template.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agon/tensor';
import { main, type CliIO } from '@agon/cli';

const models = (p: string) => fileURLToPath(new URL(`../../models/${p}`, import.meta.url));
const golden = (name: string) => readFileSync(models(`test/llama2c-golden/${name}`), 'utf8');
const stories = models('assets/stories260K/stories260K.bin');
const hfFixture = models('test/fixtures/llama-tiny');

/** Runs `agon generate`; the line naming the backend is kept apart from the other stderr lines. */
async function run(args: string[]): Promise<{ code: number; out: string[]; err: string[]; backend: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const backend: string[] = [];
  const io: CliIO = { out: (l) => void out.push(l), err: (l) => void (l.startsWith('agon generate: backend ') ? backend : err).push(l) };
  const before = tf.memory().numTensors;
  const code = await main(['generate', ...args], io);
  expect(tf.memory().numTensors).toBe(before); // the model is disposed, nothing leaks
  return { code, out, err, backend };
}

describe('agon generate', () => {
  // The command selects its own backend; one is needed first only to count tensors.
  beforeAll(() => initBackend({ backend: 'wasm' }));

  it('greedy from BOS reproduces run.c (200 steps, stops at BOS)', async () => {
    const r = await run(['--model', stories, '--temperature', '0', '--max-new-tokens', '200']);
    expect(r).toMatchObject({ code: 0, err: [] });
    expect(r.out.join('\n')).toBe(golden('greedy200.txt').trimEnd());
  });

  it('says on one stderr line which backend runs and why', async () => {
    const auto = await run(['--max-new-tokens', '1']);
    expect(auto.backend).toHaveLength(1);
    expect(auto.backend[0]).toMatch(/^agon generate: backend (wasm|webgpu) \(auto: \w+ is the best available/);
    const named = await run(['--max-new-tokens', '1', '--backend', 'cpu', '--json']);
    expect(named.backend).toEqual(["agon generate: backend cpu ('cpu' was requested)"]);
    expect(() => JSON.parse(named.out.join('\n'))).not.toThrow(); // stdout stays one JSON object
    await initBackend({ backend: 'wasm' });
  });

  it('prints the prompt followed by the greedy completion (run.c -n 64)', async () => {
    const r = await run(['--prompt', 'Once upon a time', '--temperature', '0', '--max-new-tokens', '60']);
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toBe(golden('greedy64-once.txt').trimEnd());
  });

  it('--json gives ids and both log-probs per token; a seed reproduces', async () => {
    const args = ['--prompt', 'The cat', '--temperature', '0.8', '--top-p', '0.9', '--top-k', '40', '--max-new-tokens', '12', '--seed', '5', '--json'];
    const a = await run(args);
    const b = await run(args);
    expect(a.code).toBe(0);
    const j = JSON.parse(a.out[0]);
    expect(j.promptIds.slice(0, 1)).toEqual([1]);
    expect(j.ids.length).toBeGreaterThan(0);
    expect(j.logprobs).toHaveLength(j.ids.length);
    expect(j.samplingLogprobs).toHaveLength(j.ids.length);
    expect(j.logprobs.every((x: number) => x < 0 && Number.isFinite(x))).toBe(true);
    expect(['stop', 'length']).toContain(j.finishReason);
    expect(b.out).toEqual(a.out);
  });

  it('--chat renders the prompt with the folder\'s chat template', async () => {
    const r = await run(['--model', hfFixture, '--chat', '--prompt', 'hi', '--max-new-tokens', '3', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out[0]);
    expect(j.prompt).toContain('hi');
    expect(j.prompt).not.toBe('hi');
  });

  it.each([
    [['--temprature', '0'], /^agon: generate: Unknown option '--temprature'/],
    [['--temperature', 'hot'], /^agon: generate: --temperature must be a number >= 0, got 'hot'$/],
    [['--top-p', '1.5'], /^agon: generate: --top-p must be a number >= .* and <= 1, got '1.5'$/],
    [['--max-new-tokens', '2.5'], /^agon: generate: --max-new-tokens must be an integer >= 1, got '2.5'$/],
    [['--model', '/nonexistent/model.bin'], /^agon: generate: --model \/nonexistent\/model.bin: /],
    [['--backend', 'tpu'], /^agon: generate: --backend: .*unknown backend 'tpu'; known: .*wasm/],
    [['--chat', '--max-new-tokens', '2'], /^agon: generate: --chat: .* has no chat template$/],
  ])('rejects %j with one line and exit 1', async (args, message) => {
    const r = await run(args as string[]);
    expect(r.code).toBe(1);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(message);
    expect(r.out).toEqual([]);
  });
});
