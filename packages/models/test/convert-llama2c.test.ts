// llama2.c → Hugging Face: the converted stories260K gives the llama2.c loader's logits (q/k rows
// permuted from interleaved to rotate-half RoPE), and saveHfFolder writes any model as a folder
// that loads back to the same logits, byte-exact on a second save.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describeEachBackend, expectNoLeaks } from '@agon/tensor/testing';
import type { CausalLM } from '@agon/core';
import {
  convertLlama2cToHf,
  DecoderModel,
  loadModel,
  parseLlama2cCheckpoint,
  readHfFolder,
  saveHfFolder,
  greedyGenerate,
  STORIES_260K,
} from '@agon/models';
import { interleavedToHalves } from '../src/arch/decoder-export.js';

const TOK = fileURLToPath(new URL('../assets/stories260K/tok512.bin', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}/`, import.meta.url));
const ids = [[1, 403, 407, 261, 378, 29, 347, 471]];

async function logits(model: CausalLM, rows = ids): Promise<Float32Array> {
  const x = tf.tensor2d(rows, [rows.length, rows[0].length], 'int32');
  const { logits: y } = model.forward(x);
  const out = (await y.data()) as Float32Array;
  tf.dispose([x, y]);
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

describe('interleavedToHalves', () => {
  it('moves rows 2i → i and 2i+1 → i + D/2 within each head', () => {
    const t = { shape: [8, 1], data: Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]) };
    expect(Array.from(interleavedToHalves(t, 4).data)).toEqual([0, 2, 1, 3, 4, 6, 5, 7]);
  });
});

await describeEachBackend('llama2.c → HF conversion and saving', (backend) => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agon-convert-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('the converted stories260K gives the llama2.c loader logits (1e-4) and the same greedy text', () =>
    expectNoLeaks(async () => {
      const out = join(dir, 'stories260K-hf');
      await convertLlama2cToHf(STORIES_260K, TOK, out);
      expect((await readdir(out)).sort()).toEqual(['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.bin']);
      const original = await loadModel(STORIES_260K);
      const converted = await loadModel(out);
      expect(converted.model.config).toMatchObject({ ropeLayout: 'halves', numKvHeads: 4, tieWordEmbeddings: true });
      expect(converted.eosIds).toEqual([1, 2]);
      expect(maxAbsDiff(await logits(converted.model), await logits(original.model))).toBeLessThan(1e-4);
      // q rows really were permuted: without the permutation, rotate-half RoPE gives other logits.
      const ck = parseLlama2cCheckpoint(await readFile(STORIES_260K), 'stories260K.bin');
      const unpermuted = new DecoderModel({ ...ck.config, ropeLayout: 'halves' }, ck.weights, { hfArchitecture: 'LlamaForCausalLM', modelType: 'llama' });
      expect(maxAbsDiff(await logits(unpermuted), await logits(original.model))).toBeGreaterThan(0.1);
      const prompt = converted.tokenizer.encode('Once upon a time', { bos: true });
      expect(prompt).toEqual([1, 403, 407, 261, 378]);
      if (backend !== 'webgpu') {
        const text = converted.tokenizer.decode(await greedyGenerate(converted.model, prompt, { steps: 64, stopIds: converted.eosIds }));
        expect(text).toBe(await readFile(new URL('./llama2c-golden/greedy64-once.txt', import.meta.url), 'utf8'));
      }
      for (const m of [original.model, converted.model, unpermuted]) m.dispose();
    }));

  it('saveHfFolder(llama2.c model) writes the converter’s bytes, loads back, and re-saves byte-exact', () =>
    expectNoLeaks(async () => {
      const { model } = await loadModel(STORIES_260K);
      const a = join(dir, 'saved-a');
      const b = join(dir, 'saved-b');
      await saveHfFolder(model, a, { files: { 'tokenizer.bin': await readFile(TOK) } });
      expect((await readdir(a)).sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer.bin']); // no temp files left
      const fromConvert = await readFile(join(dir, 'stories260K-hf', 'model.safetensors'));
      expect((await readFile(join(a, 'model.safetensors'))).equals(fromConvert)).toBe(true);
      const again = await loadModel(a);
      expect(maxAbsDiff(await logits(again.model), await logits(model))).toBeLessThan(1e-4);
      await saveHfFolder(again.model, b);
      expect((await readFile(join(b, 'model.safetensors'))).equals(await readFile(join(a, 'model.safetensors')))).toBe(true);
      expect(await readFile(join(b, 'config.json'), 'utf8')).toBe(await readFile(join(a, 'config.json'), 'utf8'));
      model.dispose();
      again.model.dispose();
    }));

  // Saving is backend-independent; on WebGPU (SwiftShader: slow shader compiles) only the stories260K tests run.
  (backend === 'webgpu' ? it.skip : it).each(['qwen2-tiny', 'qwen3-tiny', 'llama3-rope', 'mistral-tiny', 'gpt2-tiny'])('%s: saved as an HF folder, it loads back with equal logits', (name) =>
    expectNoLeaks(async () => {
      const { buildArchitecture } = await import('@agon/models');
      const hf = await readHfFolder(fixture(name));
      const model = buildArchitecture(hf.config, hf.weights, hf.configFile);
      const out = join(dir, `resaved-${name}`);
      await saveHfFolder(model, out);
      const back = await readHfFolder(out);
      expect(back.config['architectures']).toEqual(hf.config['architectures']);
      const model2 = buildArchitecture(back.config, back.weights, back.configFile);
      const rows = [[3, 1, 4, 1, 5, 9]];
      // F16/BF16 fixtures are saved as F32, which holds their values exactly: logits agree to float rounding.
      expect(maxAbsDiff(await logits(model2, rows), await logits(model, rows))).toBeLessThan(1e-5);
      model.dispose();
      model2.dispose();
    }));

  it('saveHfFolder refuses a model that cannot describe itself', async () => {
    const ck = parseLlama2cCheckpoint(await readFile(STORIES_260K), 'stories260K.bin');
    const inner = new DecoderModel(ck.config, ck.weights, { hfArchitecture: 'LlamaForCausalLM', modelType: 'llama' });
    const opaque: CausalLM = { config: inner.config, forward: (x, o) => inner.forward(x, o), trainableVariables: () => inner.trainableVariables(), dispose: () => inner.dispose() };
    await expect(saveHfFolder(opaque, join(dir, 'never'))).rejects.toThrow(/saveHfFolder: the model \(llama\) has no exportHf\(\)/);
    opaque.dispose();
  });
});
