// Adapters agon writes load in peft 0.21 with no key warnings and give the same log-probs there as in
// agon: all projections on a Llama folder, q/v with rsLoRA, GPT-2's Conv1D modules, and an adapter of
// the llama2.c stories260K model (interleaved RoPE rows) on its Hugging Face conversion by
// `agon convert`. Each adapter merged by `agon convert --adapter` loads in transformers (no peft) with
// the same log-probs. The other direction (adapters made by peft, loaded by agon) is in
// packages/models/test/lora-adapters.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agon/tensor';
import { main } from '@agon/cli';
import { attachLora, loadModel, saveLoraAdapters, STORIES_260K, type LoraConfig } from '@agon/models';
import { agonLogprobs, hfCheck, maxAbsDiff, referencePython } from './reference-python.js';

const FIXTURES = fileURLToPath(new URL('../../packages/models/test/fixtures/', import.meta.url));
const python = referencePython('the peft checks');
const IDS = [
  [1, 5, 9, 3, 7, 2, 11, 4],
  [1, 8, 6, 10, 12, 3, 5, 9],
];
const STORY_IDS = [
  [1, 403, 407, 261, 378, 290, 9],
  [1, 66, 355, 95, 279, 9, 13],
];

interface Case {
  name: string;
  /** The model agon adapts (a folder or a llama2.c file). */
  agonModel: string;
  /** The Hugging Face folder peft loads the adapter onto. */
  hfModel: string;
  lora: LoraConfig;
  ids: number[][];
}

(python ? describe : describe.skip)('agon adapters in peft', () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
    dir = mkdtempSync(join(tmpdir(), 'agon-peft-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('load with no key warnings and give agon’s log-probs (within 1e-4), merged or not', async () => {
    const storiesHf = join(dir, 'stories260K-hf');
    const quiet = { out: () => undefined, err: (l: string) => console.error(l) };
    expect(await main(['convert', '--model', STORIES_260K, '--out', storiesHf], quiet)).toBe(0);
    const cases: Case[] = [
      { name: 'llama-all', agonModel: `${FIXTURES}llama-tiny`, hfModel: `${FIXTURES}llama-tiny`, ids: IDS,
        lora: { r: 4, alpha: 8, targetModules: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'], seed: 1 } },
      { name: 'qwen2-qv-rslora', agonModel: `${FIXTURES}qwen2-tiny`, hfModel: `${FIXTURES}qwen2-tiny`, ids: IDS,
        lora: { r: 2, alpha: 4, targetModules: ['q', 'v'], rsLora: true, seed: 2 } },
      { name: 'gpt2', agonModel: `${FIXTURES}gpt2-tiny`, hfModel: `${FIXTURES}gpt2-tiny`, ids: IDS,
        lora: { r: 2, alpha: 6, targetModules: ['c_attn', 'mlp.c_proj'], seed: 3 } },
      { name: 'stories260K', agonModel: STORIES_260K, hfModel: storiesHf, ids: STORY_IDS,
        lora: { r: 4, alpha: 8, targetModules: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'], seed: 4 } },
    ];
    const want: number[][][] = [];
    for (const c of cases) {
      const lora = attachLora((await loadModel(c.agonModel)).model, c.lora);
      let i = 0;
      for (const { B } of lora.adapters.values()) tf.tidy(() => B.assign(tf.mul(tf.randomNormal(B.shape, 0, 1, 'float32', 100 + i++), 0.3)));
      await saveLoraAdapters(lora, join(dir, c.name));
      want.push(await agonLogprobs(lora, c.ids));
      lora.dispose();
      const merge = ['convert', '--model', c.agonModel, '--adapter', join(dir, c.name), '--out', join(dir, `${c.name}-merged`)];
      expect(await main(merge, quiet)).toBe(0);
    }
    const got = hfCheck<{ logprobs: number[][]; warnings: string[] }[]>(python ?? '', [
      ...cases.map((c) => ({ op: 'logprobs', model: c.hfModel, adapter: join(dir, c.name), ids: c.ids })),
      ...cases.map((c) => ({ op: 'logprobs', model: join(dir, `${c.name}-merged`), ids: c.ids })),
    ]);
    const report = [
      ...cases.map((c, k) => ({ name: `${c.name} (peft)`, warnings: got[k].warnings, maxDiff: maxAbsDiff(got[k].logprobs, want[k]) })),
      ...cases.map((c, k) => {
        const r = got[cases.length + k];
        return { name: `${c.name} merged (transformers)`, warnings: r.warnings, maxDiff: maxAbsDiff(r.logprobs, want[k]) };
      }),
    ];
    console.log(`agon adapters in peft: ${JSON.stringify(report)}`);
    for (const r of report) {
      expect({ name: r.name, warnings: r.warnings }).toEqual({ name: r.name, warnings: [] });
      expect(r.maxDiff).toBeLessThan(1e-4);
    }
  }, 300_000);
});
