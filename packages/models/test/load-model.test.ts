// loadModel's llama2.c side and its dispatch: the shipped stories260K with its sibling tokenizer,
// an explicit tokenizer, the v1 file, injected file access, and clear errors for what is missing.
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describeEachBackend, expectNoLeaks } from '@agon/tensor/testing';
import { Llama2cTokenizer, loadModel, STORIES_260K, supportedArchitectures, buildArchitecture, weightSource, type FolderIO } from '@agon/models';

const assets = fileURLToPath(new URL('../assets/stories260K/', import.meta.url));

describe('loadModel: finding files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agon-load-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('the shipped stories260K is found inside the package', () => {
    expect(STORIES_260K).toBe(join(assets, 'stories260K.bin'));
  });

  it('a checkpoint without a tokenizer beside it is an error naming where it looked', async () => {
    const bin = join(dir, 'lonely.bin');
    await copyFile(join(assets, 'stories260K_v1.bin'), bin);
    await expect(loadModel(bin)).rejects.toThrow(
      `${bin}: no tokenizer found (looked for ${join(dir, 'tokenizer.bin')}, ${join(dir, 'tok512.bin')}); copy the llama2.c tokenizer there as ${join(dir, 'tokenizer.bin')} (from code: loadModel's tokenizer option)`,
    );
  });

  it('a path that is neither a file nor a folder with config.json', async () => {
    await expect(loadModel(join(dir, 'nothing-here'))).rejects.toThrow(/nothing-here: neither a llama2\.c checkpoint file nor a Hugging Face folder with config\.json/);
  });

  it('a bad checkpoint is reported with its path', async () => {
    const bin = join(dir, 'short.bin');
    await copyFile(join(assets, 'tok512.bin'), bin);
    await expect(loadModel(bin, { tokenizer: join(assets, 'tok512.bin') })).rejects.toThrow(new RegExp(`^${bin.replace(/[.]/g, '\\.')}: `));
  });

  it('the registry lists every supported architecture and rejects others by name', () => {
    expect(supportedArchitectures()).toEqual(['GPT2LMHeadModel', 'LlamaForCausalLM', 'MistralForCausalLM', 'Qwen2ForCausalLM', 'Qwen3ForCausalLM']);
    const none = weightSource('w.safetensors', new Map());
    expect(() => buildArchitecture({ architectures: ['PhiForCausalLM'] }, none, 'phi/config.json')).toThrow(
      "phi/config.json: unsupported architectures value 'PhiForCausalLM'; supported: GPT2LMHeadModel, LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM",
    );
    expect(() => buildArchitecture({ architectures: ['LlamaForSequenceClassification'] }, none, 'rm/config.json')).toThrow(
      /rm\/config\.json: unsupported architectures value 'LlamaForSequenceClassification'; supported: .* \(a reward\/classifier checkpoint: load it with loadRewardModel\)/,
    );
    expect(() => buildArchitecture({}, none, 'x/config.json')).toThrow(/^x\/config\.json: missing field 'architectures' \(expected a non-empty list of strings \(supported: GPT2LMHeadModel, /);
  });
});

await describeEachBackend('loadModel on llama2.c checkpoints', (backend) => {
  // Loading logic, not numerics: on WebGPU (SwiftShader, slow) only the first test runs.
  const cpuOnly = backend === 'webgpu' ? it.skip : it;
  it('stories260K.bin: tokenizer from the sibling tok512.bin, eos ids [1, 2], no chat format', () =>
    expectNoLeaks(async () => {
      const loaded = await loadModel(STORIES_260K);
      expect(loaded.tokenizer).toBeInstanceOf(Llama2cTokenizer);
      expect(loaded.eosIds).toEqual([1, 2]);
      expect(loaded.chat).toBeUndefined();
      expect(loaded.model.trainableVariables()).toHaveLength(2 + 9 * 5);
      loaded.model.dispose();
    }));

  cpuOnly('the v1 file through injected file access and an explicit tokenizer gives the v0 logits', () =>
    expectNoLeaks(async () => {
      const files = new Map<string, Uint8Array>([
        ['/virtual/model.bin', await readFile(join(assets, 'stories260K_v1.bin'))],
        ['/virtual/my-tokenizer.bin', await readFile(join(assets, 'tok512.bin'))],
      ]);
      const seen: string[] = [];
      const io: FolderIO = {
        readFile: async (p) => (seen.push(p), files.get(p) ?? Promise.reject(new Error(`${p}: not found`))),
        exists: async (p) => files.has(p),
      };
      const v1 = await loadModel('/virtual/model.bin', { io, tokenizer: '/virtual/my-tokenizer.bin' });
      expect(seen).toEqual(['/virtual/model.bin', '/virtual/my-tokenizer.bin']);
      const v0 = await loadModel(STORIES_260K);
      const x = tf.tensor2d([[1, 403, 407]], [1, 3], 'int32');
      const [a, b] = [v0.model.forward(x).logits, v1.model.forward(x).logits];
      expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
      tf.dispose([x, a, b]);
      v0.model.dispose();
      v1.model.dispose();
    }));

  cpuOnly('two loaded copies have distinct variable names and free everything on dispose', () =>
    expectNoLeaks(async () => {
      const [a, b] = [await loadModel(STORIES_260K), await loadModel(STORIES_260K)];
      const names = [...a.model.trainableVariables(), ...b.model.trainableVariables()].map((v) => v.name);
      expect(new Set(names).size).toBe(names.length);
      expect(names[0]).toMatch(/^m\d+\/model\.embed_tokens\.weight$/);
      a.model.dispose();
      b.model.dispose();
      a.model.dispose(); // twice is harmless
      const x = tf.zeros([1, 1], 'int32') as tf.Tensor2D;
      expect(() => a.model.forward(x)).toThrow(/the model was disposed/);
      x.dispose();
    }));
});
