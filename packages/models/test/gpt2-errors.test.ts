// GPT-2 config and weight errors name the file, the field or key, and what was expected and found.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import { buildGpt2 } from '../src/arch/gpt2.js';
import { parseGpt2Config } from '../src/arch/gpt2-config.js';
import { readHfFolder } from '../src/hf/index.js';
import { weightSource, type HostTensor, type WeightSource } from '../src/weights.js';
import { fixtureDir } from './fixtures/expected.js';

const base = { architectures: ['GPT2LMHeadModel'], vocab_size: 269, n_embd: 16, n_layer: 2, n_head: 4, n_positions: 16 };

/** The fixture's weights with `change` applied to the key → tensor map. */
async function edited(change: (m: Map<string, HostTensor>) => void): Promise<WeightSource> {
  const { weights } = await readHfFolder(fixtureDir('gpt2-tiny'));
  const m = new Map(weights.keys().map((k) => [k, weights.get(k)]));
  change(m);
  return weightSource('gpt2/model.safetensors', m);
}

describe('GPT-2 config errors', () => {
  it('missing and mistyped fields', () => {
    const { n_embd: _drop, ...noEmbd } = base;
    expect(() => parseGpt2Config(noEmbd, 'gpt2/config.json')).toThrow("gpt2/config.json: missing field 'n_embd' (expected a positive integer)");
    expect(() => parseGpt2Config({ ...base, n_layer: 2.5 }, 'c.json')).toThrow("c.json: field 'n_layer' must be a positive integer (found 2.5)");
    expect(() => parseGpt2Config({ ...base, n_head: 5 }, 'c.json')).toThrow("c.json: field 'n_head' must be a divisor of n_embd (16) (found 5)");
    expect(() => parseGpt2Config({ ...base, activation_function: 'swish' }, 'c.json')).toThrow(
      "c.json: field 'activation_function' must be one of 'gelu_new', 'gelu_pytorch_tanh', 'gelu', 'relu' (found \"swish\")",
    );
    expect(() => parseGpt2Config({ ...base, reorder_and_upcast_attn: true }, 'c.json')).toThrow("c.json: field 'reorder_and_upcast_attn' must be false (this variant is not supported) (found true)");
  });

  it('defaults follow GPT2Config', () => {
    const cfg = parseGpt2Config(base, 'c.json');
    expect(cfg).toMatchObject({ intermediateSize: 64, layerNormEps: 1e-5, activation: 'gelu_tanh', tieWordEmbeddings: true, headDim: 4, numKvHeads: 4 });
  });
});

describe('GPT-2 weight errors', () => {
  beforeAll(() => initBackend({ backend: 'cpu' }));

  it('a wrong shape names the file, the key, the expected and the found shape', () =>
    expectNoLeaks(async () => {
      const w = await edited((m) => m.set('transformer.h.1.attn.c_attn.weight', { shape: [48, 16], data: new Float32Array(768) }));
      expect(() => buildGpt2(base, w, { configFile: 'gpt2/config.json' })).toThrow(
        "gpt2/model.safetensors: tensor 'transformer.h.1.attn.c_attn.weight' has shape [48, 16], expected [16, 48]",
      );
    }));

  it('a missing tensor names the file, the key and the expected shape', () =>
    expectNoLeaks(async () => {
      const w = await edited((m) => m.delete('transformer.ln_f.bias'));
      expect(() => buildGpt2(base, w, { configFile: 'c' })).toThrow("gpt2/model.safetensors: missing tensor 'transformer.ln_f.bias' (expected shape [16])");
    }));

  it('a layer count that disagrees with the checkpoint is refused before anything is built', () =>
    expectNoLeaks(async () => {
      const w = await edited(() => undefined);
      expect(() => buildGpt2({ ...base, n_layer: 1 }, w, { configFile: 'c' })).toThrow(
        "gpt2/model.safetensors: holds 2 layer(s) (transformer.h.0 … transformer.h.1) but the config's 'n_layer' is 1; check config.json against the checkpoint",
      );
    }));

  it("loads OpenAI's prefix-less keys and ignores the old attn.bias mask buffers", () =>
    expectNoLeaks(async () => {
      const w = await edited((m) => {
        for (const [k, t] of [...m]) {
          m.delete(k);
          m.set(k.replace(/^transformer\./, ''), t);
        }
        m.set('h.0.attn.bias', { shape: [1, 1, 16, 16], data: new Float32Array(256) });
      });
      const model = buildGpt2(base, w, { configFile: 'c' });
      expect(model.weights.has('transformer.h.0.attn.c_attn.weight')).toBe(true);
      const ids = tf.tensor2d([[1, 2, 3]], undefined, 'int32');
      const { logits } = model.forward(ids);
      expect(logits.shape).toEqual([1, 3, 269]);
      tf.dispose([ids, logits]);
      model.dispose();
    }));

  it('positions beyond n_positions are an error, not garbage', () =>
    expectNoLeaks(async () => {
      const hf = await readHfFolder(fixtureDir('gpt2-tiny'));
      const model = buildGpt2(hf.config, hf.weights, { configFile: hf.configFile });
      const ids = tf.zeros([1, 17], 'int32') as tf.Tensor2D;
      expect(() => model.forward(ids)).toThrow("forward: 17 positions exceed GPT-2's n_positions 16");
      ids.dispose();
      model.dispose();
      expect(() => model.forward(ids)).toThrow(/disposed/);
    }));
});
