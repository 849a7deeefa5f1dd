// A config.json must agree with the tensors actually present, and special token ids with the
// vocabulary, before anything is allocated: each case edits one thing in a real Hugging Face
// fixture folder and expects one clear error naming the file and the field or tensor.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agon/tensor';
import { loadModel, namedIoError, readSafetensors, writeSafetensors } from '@agon/models';

const fixture = fileURLToPath(new URL('./fixtures/llama-tiny', import.meta.url));
const gpt2Fixture = fileURLToPath(new URL('./fixtures/gpt2-tiny', import.meta.url));

let root: string;
beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  root = await mkdtemp(join(tmpdir(), 'agon-cfgw-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

let n = 0;
/** A copy of `src` with `edit` applied to its files. */
async function variant(src: string, edit: (dir: string) => Promise<void>): Promise<string> {
  const dir = join(root, `case-${n++}`);
  await cp(src, dir, { recursive: true });
  await edit(dir);
  return dir;
}
async function editJson(file: string, change: (j: Record<string, unknown>) => void): Promise<void> {
  const j = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  change(j);
  await writeFile(file, JSON.stringify(j));
}
async function editTensor(dir: string, name: string, change: (data: Float32Array) => void): Promise<void> {
  const file = join(dir, 'model.safetensors');
  const st = await readSafetensors(file);
  const t = st.tensors.find((x) => x.name === name)!;
  const data = new Float32Array(new Uint8Array(t.bytes).buffer); // a copy: parsed bytes view the file
  change(data);
  t.bytes = new Uint8Array(data.buffer);
  await writeSafetensors(file, st);
}
async function expectLoadError(dir: string, message: RegExp): Promise<void> {
  const before = tf.memory().numTensors;
  await expect(loadModel(dir)).rejects.toThrow(message);
  expect(tf.memory().numTensors).toBe(before);
}

describe('config against weights', () => {
  it('num_hidden_layers 1e9 fails at once, naming the layers present', async () => {
    const dir = await variant(fixture, (d) => editJson(join(d, 'config.json'), (j) => (j.num_hidden_layers = 1e9)));
    const t0 = performance.now();
    await expectLoadError(dir, /model\.safetensors: holds 2 layer\(s\) \(model\.layers\.0 … model\.layers\.1\) but the config's 'num_hidden_layers' is 1000000000/);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('n_layer of a GPT-2 config too', async () => {
    const dir = await variant(gpt2Fixture, (d) => editJson(join(d, 'config.json'), (j) => (j.n_layer = 3)));
    await expectLoadError(dir, /holds 2 layer\(s\) .* but the config's 'n_layer' is 3/);
  });

  it('max_position_embeddings 1e9 is refused before any RoPE table is built', async () => {
    const dir = await variant(fixture, (d) => editJson(join(d, 'config.json'), (j) => (j.max_position_embeddings = 1e9)));
    await expectLoadError(dir, /config\.json: field 'max_position_embeddings' must be at most 16777216 .* \(found 1000000000\)/);
  });

  it.each([
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
  ])('a %s weight names the tensor and the index', async (_name, value) => {
    const dir = await variant(fixture, (d) => editTensor(d, 'model.layers.1.mlp.up_proj.weight', (x) => (x[7] = value)));
    await expectLoadError(dir, new RegExp(`model\\.safetensors: tensor 'model\\.layers\\.1\\.mlp\\.up_proj\\.weight' holds ${String(value).replace('+', '')} at index 7`));
  });

  it('tie_word_embeddings true with a different lm_head.weight is an error; with a copy it loads', async () => {
    const differs = await variant(fixture, (d) => editJson(join(d, 'config.json'), (j) => (j.tie_word_embeddings = true)));
    await expectLoadError(differs, /'tie_word_embeddings' is true but 'lm_head\.weight' is not a copy of 'model\.embed_tokens\.weight'/);
    const copy = await variant(differs, async (d) => {
      const st = await readSafetensors(join(d, 'model.safetensors'));
      const embed = st.tensors.find((t) => t.name === 'model.embed_tokens.weight')!;
      st.tensors.find((t) => t.name === 'lm_head.weight')!.bytes = embed.bytes;
      await writeSafetensors(join(d, 'model.safetensors'), st);
    });
    const { model } = await loadModel(copy);
    model.dispose();
  });
});

describe('special tokens against the vocabulary', () => {
  it('eos_token_id 99999 in generation_config.json', async () => {
    const dir = await variant(fixture, (d) => editJson(join(d, 'generation_config.json'), (j) => (j.eos_token_id = 99999)));
    await expectLoadError(dir, /generation_config\.json: field 'eos_token_id' must be token ids below vocab_size 64 \(of .*config\.json\) \(found 99999\)/);
  });

  it('eos_token_id in config.json when generation_config.json names none', async () => {
    const dir = await variant(fixture, async (d) => {
      await rm(join(d, 'generation_config.json'));
      await editJson(join(d, 'config.json'), (j) => (j.eos_token_id = [2, 64]));
    });
    await expectLoadError(dir, /config\.json: field 'eos_token_id' must be token ids below vocab_size 64 .*\(found 64\)/);
  });

  it('an eos_token text the tokenizer lacks, even when generation_config.json gives the id', async () => {
    const dir = await variant(fixture, (d) => editJson(join(d, 'tokenizer_config.json'), (j) => (j.eos_token = '<no-such-token>')));
    await expectLoadError(dir, /tokenizer_config\.json: field 'eos_token' names token "<no-such-token>", which .*tokenizer\.json does not have/);
  });

  it('ids of embedding rows the tokenizer has no token for decode to no text (as Hugging Face tokenizers), alone too', async () => {
    const { model, tokenizer } = await loadModel(fixture);
    model.dispose();
    expect(tokenizer.decode([63])).toBe('');
    expect(tokenizer.decode([63, ...tokenizer.encode('hi')])).toBe(tokenizer.decode(tokenizer.encode('hi')));
  });

  it('a tokenizer with more tokens than the model has rows', async () => {
    const dir = await variant(fixture, async (d) => {
      await rm(join(d, 'generation_config.json'));
      await editJson(join(d, 'config.json'), (j) => (j.vocab_size = 32));
    });
    await expectLoadError(dir, /tokenizer\.json: token id \d+ does not fit the model's vocab_size 32/);
  });
});

describe('IO errors', () => {
  it('namedIoError puts the path in front of a message that lacks it and keeps the code', () => {
    const e = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const named = namedIoError('/runs/a/metrics.jsonl', e);
    expect(named.message).toBe('/runs/a/metrics.jsonl: ENOSPC: no space left on device, write');
    expect((named as Error & { code?: string }).code).toBe('ENOSPC');
    const already = new Error("ENOENT: no such file or directory, open '/runs/a/x'");
    expect(namedIoError('/runs/a/x', already)).toBe(already);
  });
});
