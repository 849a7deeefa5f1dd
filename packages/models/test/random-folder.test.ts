// writeRandomHfFolder: the real SmolLM2-135M and Qwen2.5-0.5B config.json shapes (here scaled down
// in depth and width, vocabulary and special-token ids kept) load as HF folders: the architecture
// and vocabulary size of the real model, a byte-level BPE tokenizer of that many entries that
// round-trips text into multi-letter pieces, ChatML specials at the real ids, the chat template,
// q/k/v biases for Qwen2, sharded safetensors, and the sequence-classification head as a reward model.
import { readFile, readdir } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import { DecoderModel, loadModel, loadRewardModel } from '@agon/models';
import { writeRandomHfFolder } from '@agon/models/testing';

const SMALL = { num_hidden_layers: 2, hidden_size: 96, intermediate_size: 128, num_attention_heads: 3, num_key_value_heads: 1 };
let dir: string;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  dir = await mkdtemp(join(tmpdir(), 'agon-random-folder-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

it('smollm-135m: Llama, tied, vocab 49152, BPE tokenizer of 49152 entries, ChatML; sharded', async () => {
  const out = join(dir, 'smol');
  const config = await writeRandomHfFolder('smollm-135m', out, { overrides: SMALL, shardBytes: 4 * 2 ** 20, seed: 3 });
  expect(config).toMatchObject({ architectures: ['LlamaForCausalLM'], vocab_size: 49152, tie_word_embeddings: true, rope_theta: 100000, max_position_embeddings: 8192, eos_token_id: 2 });
  const files = await readdir(out);
  expect(files.filter((f) => f.endsWith('.safetensors')).length).toBeGreaterThan(1);
  expect(files).toEqual(expect.arrayContaining(['config.json', 'model.safetensors.index.json', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json']));
  const tok = JSON.parse(await readFile(join(out, 'tokenizer.json'), 'utf8'));
  expect(Object.keys(tok.model.vocab).length + tok.added_tokens.length).toBe(49152);
  await expectNoLeaks(async () => {
    const m = await loadModel(out);
    expect(m.model.config).toMatchObject({ architecture: 'llama', vocabSize: 49152, hiddenSize: 96, numLayers: 2, numHeads: 3, numKvHeads: 1, headDim: 32 });
    expect((m.model as DecoderModel).config.tieWordEmbeddings).toBe(true);
    const text = 'Tell me a story about the sea, please!';
    const ids = m.tokenizer.encode(text, { bos: false });
    expect(ids.length).toBeLessThan(text.length / 2); // multi-letter pieces
    expect(m.tokenizer.decode(ids)).toBe(text);
    expect(m.tokenizer.eosId).toBe(2);
    expect(m.chat!.render([{ role: 'user', content: 'hi' }], { addGenerationPrompt: true })).toBe('<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n');
    const chatIds = m.tokenizer.encode('<|im_start|>user', { bos: false });
    expect(chatIds[0]).toBe(1);
    const input = tf.tensor2d([ids], undefined, 'int32');
    const { logits } = m.model.forward(input);
    expect(logits.shape).toEqual([1, ids.length, 49152]);
    const spread = tf.tidy(() => tf.moments(logits).variance.dataSync()[0]);
    expect(spread).toBeGreaterThan(0); // random weights, not zeros
    tf.dispose([logits, input]);
    m.model.dispose();
  });
}, 120_000);

it('qwen2.5-0.5b: Qwen2 with q/k/v bias, vocab 151936 (padded past the tokenizer), <|im_end|> = 151645; the reward head loads', async () => {
  const out = join(dir, 'qwen');
  await writeRandomHfFolder('qwen2.5-0.5b', out, { overrides: { ...SMALL, hidden_size: 64, num_attention_heads: 2 } });
  const rmDir = join(dir, 'qwen-rm');
  const rmConfig = await writeRandomHfFolder('qwen2.5-0.5b', rmDir, { overrides: { ...SMALL, hidden_size: 64, num_attention_heads: 2 }, sequenceClassification: true });
  expect(rmConfig).toMatchObject({ architectures: ['Qwen2ForSequenceClassification'], num_labels: 1 });
  await expectNoLeaks(async () => {
    const m = await loadModel(out);
    expect(m.model.config).toMatchObject({ architecture: 'qwen2', vocabSize: 151936 });
    expect([...(m.model as DecoderModel).weights.keys()]).toContain('model.layers.0.self_attn.q_proj.bias');
    expect(m.tokenizer.eosId).toBe(151645);
    expect(m.tokenizer.encode('<|im_end|>', { bos: false })).toEqual([151645]);
    m.model.dispose();
    const rm = await loadRewardModel(rmDir);
    const [s] = await rm.score([{ query: 'Name a colour.', answer: 'Blue.' }]);
    expect(Number.isFinite(s)).toBe(true);
    rm.dispose();
  });
}, 120_000);

it('rejects an unknown shape, naming the known ones', async () => {
  await expect(writeRandomHfFolder('gpt-5' as never, join(dir, 'x'))).rejects.toThrow("writeRandomHfFolder: unknown shape 'gpt-5' (expected one of smollm-135m, qwen2.5-0.5b)");
});
