// Clear errors from real (edited) fixture folders, through readHfFolder + the architecture registry:
// an unsupported architectures value, a missing tensor and a wrong shape each name the file, the
// value or key, and the expected and found shapes.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import { buildArchitecture } from '../src/architectures.js';
import { readHfFolder } from '../src/hf/index.js';
import { parseSafetensors, serializeSafetensors } from '../src/safetensors/index.js';
import { fixtureDir } from './fixtures/expected.js';

describe('fixture folder errors', () => {
  let dir: string;
  beforeAll(() => initBackend({ backend: 'cpu' }));
  afterEach(() => rm(dir, { recursive: true, force: true }));
  const copy = async (name: string) => {
    dir = await mkdtemp(join(tmpdir(), 'agon-fx-'));
    await cp(fixtureDir(name), dir, { recursive: true });
  };
  const build = async () => {
    const hf = await readHfFolder(dir);
    const model = buildArchitecture(hf.config, hf.weights, hf.configFile);
    model.dispose();
  };
  /** Rewrites model.safetensors with `edit` applied to its tensor list. */
  const editWeights = async (edit: (t: ReturnType<typeof parseSafetensors>['tensors']) => void) => {
    const file = join(dir, 'model.safetensors');
    const st = parseSafetensors(await readFile(file), file);
    const tensors = st.tensors.map((t) => ({ ...t, bytes: t.bytes.slice() }));
    edit(tensors);
    await writeFile(file, serializeSafetensors({ ...st, tensors }));
  };

  it('an unsupported architectures value names config.json, the value and the supported list', () =>
    expectNoLeaks(async () => {
      await copy('llama-tiny');
      const cfg = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
      await writeFile(join(dir, 'config.json'), JSON.stringify({ ...cfg, architectures: ['FalconForCausalLM'] }));
      await expect(build()).rejects.toThrow(
        `${join(dir, 'config.json')}: unsupported architectures value 'FalconForCausalLM'; supported: GPT2LMHeadModel, LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM`,
      );
    }));

  it('a missing tensor names the file, the key and the expected shape (Llama)', () =>
    expectNoLeaks(async () => {
      await copy('llama-tiny');
      await editWeights((ts) => ts.splice(ts.findIndex((t) => t.name === 'model.layers.1.mlp.up_proj.weight'), 1));
      await expect(build()).rejects.toThrow(`${join(dir, 'model.safetensors')}: missing tensor 'model.layers.1.mlp.up_proj.weight' (expected shape [32, 16])`);
    }));

  it('a wrong shape names the file, the key, the expected and the found shape (GPT-2)', () =>
    expectNoLeaks(async () => {
      await copy('gpt2-tiny');
      await editWeights((ts) => {
        const t = ts.find((x) => x.name === 'transformer.h.0.mlp.c_fc.weight');
        if (t) t.shape = [64, 16]; // same bytes, transposed shape: as if exported as nn.Linear
      });
      await expect(build()).rejects.toThrow(
        `${join(dir, 'model.safetensors')}: tensor 'transformer.h.0.mlp.c_fc.weight' has shape [64, 16], expected [16, 64]`,
      );
    }));

  it('a wrong shape in a sharded F16 checkpoint names the shard (Qwen2)', () =>
    expectNoLeaks(async () => {
      await copy('qwen2-tiny');
      const cfg = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
      await writeFile(join(dir, 'config.json'), JSON.stringify({ ...cfg, intermediate_size: 48 }));
      await expect(build()).rejects.toThrow(/model-0000[12]-of-00002\.safetensors: tensor 'model\.layers\.0\.mlp\.\w+_proj\.weight' has shape \[(32, 16|16, 32)\], expected \[(48, 16|16, 48)\]/);
    }));
});
