// `agon convert`: llama2.c → Hugging Face folder, and an adapter merged into a full folder; both load
// back with the logits of the source (transformers' view of the same folders: tools/test/hf-peft.test.ts).
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM } from '@agon/core';
import { main } from '@agon/cli';
import { attachLora, loadModel, saveLoraAdapters, STORIES_260K } from '@agon/models';
import { initBackend } from '@agon/tensor';
import { capture } from './helpers.js';

const IDS = [
  [1, 403, 407, 261, 378, 290],
  [1, 66, 355, 95, 279, 9],
];

async function logits(model: CausalLM): Promise<Float32Array> {
  const x = tf.tensor2d(IDS, undefined, 'int32');
  const { logits: y } = model.forward(x);
  const out = (await y.data()) as Float32Array;
  tf.dispose([x, y]);
  return out;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agon-cli-convert-'));
  await initBackend({ backend: 'cpu' });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('agon convert', () => {
  it('llama2.c → a Hugging Face folder with the same logits, tokenizer and eos ids', async () => {
    const out = join(dir, 'stories-hf');
    const io = capture();
    expect(await main(['convert', '--model', STORIES_260K, '--out', out], io)).toBe(0);
    expect(io.outLines).toEqual([`agon convert: ${STORIES_260K} → ${out}`]);
    expect((await readdir(out)).sort()).toEqual(['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.bin']);
    expect(JSON.parse(await readFile(join(out, 'config.json'), 'utf8'))).toMatchObject({ architectures: ['LlamaForCausalLM'], model_type: 'llama' });
    const src = await loadModel(STORIES_260K);
    const hf = await loadModel(out);
    expect(hf.eosIds).toEqual(src.eosIds);
    expect(hf.tokenizer.encode('Once upon a time', { bos: true })).toEqual(src.tokenizer.encode('Once upon a time', { bos: true }));
    expect(maxDiff(await logits(hf.model), await logits(src.model))).toBeLessThan(1e-5);
    src.model.dispose();
    hf.model.dispose();
  });

  it('merges an adapter into its base: the folder gives the adapted model’s logits', async () => {
    const lora = attachLora((await loadModel(STORIES_260K)).model, { r: 4, alpha: 8, targetModules: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'], seed: 5 });
    let i = 0;
    for (const { B } of lora.adapters.values()) tf.tidy(() => B.assign(tf.randomNormal(B.shape, 0, 0.3, 'float32', i++)));
    const adapter = join(dir, 'adapter');
    await saveLoraAdapters(lora, adapter, { baseModelNameOrPath: STORIES_260K });
    const want = await logits(lora);
    lora.dispose();
    const out = join(dir, 'merged');
    expect(await main(['convert', '--adapter', adapter, '--out', out], capture())).toBe(0);
    const merged = await loadModel(out);
    const got = await logits(merged.model);
    expect(maxDiff(got, want)).toBeLessThan(1e-4);
    merged.model.dispose();
    // BF16 storage: same folder, rounded weights.
    const half = join(dir, 'merged-bf16');
    expect(await main(['convert', '--adapter', adapter, '--out', half, '--dtype', 'BF16'], capture())).toBe(0);
    const small = await loadModel(half);
    const d = maxDiff(await logits(small.model), want);
    expect(d).toBeGreaterThan(0);
    expect(d).toBeLessThan(0.5);
    small.model.dispose();
  });

  it('bad input is one line naming the flag and what was expected; nothing is left behind', async () => {
    const full = join(dir, 'full');
    await mkdir(full, { recursive: true });
    await writeFile(join(full, 'keep.txt'), 'mine');
    const cases: [string[], string][] = [
      [['--model', STORIES_260K], 'agon: convert: --out DIR is required'],
      [['--out', join(dir, 'x')], 'agon: convert: --model PATH (or --adapter DIR) is required'],
      [['--model', STORIES_260K, '--out', join(dir, 'x'), '--dtype', 'F8'], "agon: convert: --dtype must be one of F32, BF16, F16, got 'F8'"],
      [['--model', STORIES_260K, '--out', full], `agon: convert: --out ${full}: exists and is not empty (expected a new or empty folder)`],
      [['--model', join(dir, 'nothing'), '--out', join(dir, 'x')], `agon: convert: --model ${join(dir, 'nothing')}: ${join(dir, 'nothing')}: neither a llama2.c checkpoint file nor a Hugging Face folder with config.json`],
    ];
    for (const [args, message] of cases) {
      const io = capture();
      expect(await main(['convert', ...args], io)).toBe(1);
      expect(io.errLines).toEqual([message]);
    }
    expect(await readdir(full)).toEqual(['keep.txt']);
    expect((await readdir(dir)).filter((n) => n.includes('.tmp-') || n === 'x')).toEqual([]);
  });
});
