// llama2.c checkpoints: v0 and v1 headers hold the same weights (and give the same logits), the
// classifier flag, and hostile files rejected with errors naming the file and the field.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { describeEachBackend, expectNoLeaks } from '@agon/tensor/testing';
import { DecoderModel, parseLlama2cCheckpoint } from '@agon/models';
import { LLAMA2C_MAGIC } from '../src/llama2c/checkpoint.js';

const asset = (name: string) => readFileSync(new URL(`../assets/stories260K/${name}`, import.meta.url));
const v0 = asset('stories260K.bin');
const v1 = asset('stories260K_v1.bin');
const id = { hfArchitecture: 'LlamaForCausalLM', modelType: 'llama' };

describe('llama2.c checkpoint headers', () => {
  it('reads the v0 header of stories260K', () => {
    const ck = parseLlama2cCheckpoint(v0, 'stories260K.bin');
    expect(ck.version).toBe(0);
    expect(ck.config).toMatchObject({ hiddenSize: 64, intermediateSize: 172, numLayers: 5, numHeads: 8, numKvHeads: 4,
      headDim: 8, vocabSize: 512, maxPositions: 512, tieWordEmbeddings: true, ropeLayout: 'interleaved', rmsNormEps: 1e-5 });
    expect(ck.weights.keys()).toHaveLength(2 + 9 * 5);
    expect(ck.weights.get('model.layers.4.mlp.down_proj.weight').shape).toEqual([64, 172]);
    // 260,032 parameters, as SOURCE.md says.
    expect(ck.weights.keys().reduce((n, k) => n + ck.weights.get(k).data.length, 0)).toBe(260032);
  });

  it('the v1 ("ak42") file holds exactly the v0 weights under the same keys', () => {
    const a = parseLlama2cCheckpoint(v0, 'v0');
    const b = parseLlama2cCheckpoint(v1, 'v1');
    expect(new DataView(v1.buffer, v1.byteOffset).getUint32(0, true)).toBe(LLAMA2C_MAGIC);
    expect(b.version).toBe(1);
    expect(b.config).toEqual(a.config);
    expect(b.weights.keys().sort()).toEqual(a.weights.keys().sort());
    for (const k of a.weights.keys()) expect(Buffer.from(b.weights.get(k).data.buffer, b.weights.get(k).data.byteOffset, b.weights.get(k).data.byteLength)
      .equals(Buffer.from(a.weights.get(k).data.buffer, a.weights.get(k).data.byteOffset, a.weights.get(k).data.byteLength))).toBe(true);
  });
});

/** v0 bytes with a negative vocab_size (unshared classifier) and wcls = 2 × embedding appended. */
function unsharedV0(): Buffer {
  const b = Buffer.concat([v0, v0.subarray(28, 28 + 512 * 64 * 4)]);
  b.writeInt32LE(-512, 20);
  for (let i = v0.length; i < b.length; i += 4) b.writeFloatLE(2 * b.readFloatLE(i), i);
  return b;
}

/** v1 bytes with shared_classifier = 0 and wcls = 2 × embedding appended. */
function unsharedV1(): Buffer {
  const emb = parseLlama2cCheckpoint(v1, 'v1').weights.get('model.embed_tokens.weight').data;
  const b = Buffer.concat([v1, Buffer.from(Float32Array.from(emb, (x) => 2 * x).buffer)]);
  b[8 + 28] = 0;
  return b;
}

await describeEachBackend('llama2.c checkpoint formats', (backend) => {
  const logits = async (bytes: Uint8Array, ids: number[]) => {
    const ck = parseLlama2cCheckpoint(bytes, 'ckpt');
    const model = new DecoderModel(ck.config, ck.weights, id);
    const x = tf.tensor2d([ids], [1, ids.length], 'int32');
    const { logits: y } = model.forward(x);
    const data = await y.data();
    tf.dispose([x, y]);
    model.dispose();
    return { data, ck };
  };

  it('v0 and v1 give identical logits', () =>
    expectNoLeaks(async () => {
      const ids = [1, 403, 407, 261, 378];
      expect(Array.from((await logits(v1, ids)).data)).toEqual(Array.from((await logits(v0, ids)).data));
    }));

  // File layout, not numerics: skipped on WebGPU (SwiftShader) to keep CI short.
  (backend === 'webgpu' ? it.skip : it)('an unshared classifier (v0 negative vocab_size, v1 flag 0) is read after the other tensors and used as lm_head', () =>
    expectNoLeaks(async () => {
      const ids = [1, 403, 407];
      const tied = (await logits(v0, ids)).data;
      for (const bytes of [unsharedV0(), unsharedV1()]) {
        const { data, ck } = await logits(bytes, ids);
        expect(ck.config.tieWordEmbeddings).toBe(false);
        expect(ck.weights.has('lm_head.weight')).toBe(true);
        // logits are linear in the classifier: 2 × embedding gives 2 × the tied logits.
        data.forEach((v, i) => expect(Math.abs(v - 2 * tied[i])).toBeLessThan(1e-4 * Math.max(1, Math.abs(v))));
      }
    }));
});

describe('llama2.c checkpoints: hostile files', () => {
  const f = 'evil.bin';
  const withHeader = (edit: (b: Buffer) => void, src: Buffer = v0) => {
    const b = Buffer.from(src);
    edit(b);
    return b;
  };

  it('rejects files shorter than the header', () => {
    expect(() => parseLlama2cCheckpoint(new Uint8Array(0), f)).toThrow(/evil\.bin: truncated llama2\.c checkpoint: 0 bytes, the header alone needs 28/);
    expect(() => parseLlama2cCheckpoint(v1.subarray(0, 100), f)).toThrow(/evil\.bin: truncated llama2\.c v1 checkpoint: 100 bytes, the header needs 256/);
  });
  it('rejects a truncated body or trailing bytes by checking the size the header implies', () => {
    expect(() => parseLlama2cCheckpoint(v0.subarray(0, v0.length - 4), f)).toThrow(/evil\.bin: file size is 1056536 bytes but the v0 header .* implies 1056540/);
    expect(() => parseLlama2cCheckpoint(Buffer.concat([v1, Buffer.alloc(4)]), f)).toThrow(/file size is 1040388 bytes but the v1 header .* implies 1040384/);
  });
  it('rejects an unsupported ak42 version', () => {
    expect(() => parseLlama2cCheckpoint(withHeader((b) => b.writeInt32LE(2, 4), v1), f)).toThrow(/evil\.bin: field 'version' of the ak42 header is 2; only version 1/);
  });
  it.each([
    ['dim', 0, 0],
    ['n_layers', 8, -3],
    ['n_heads', 12, 0],
    ['vocab_size', 20, 0],
    ['seq_len', 24, 2 ** 30],
    ['hidden_dim', 4, 2 ** 31 - 1],
  ])("rejects an absurd header field '%s'", (name, offset, value) => {
    expect(() => parseLlama2cCheckpoint(withHeader((b) => b.writeInt32LE(value, offset)), f)).toThrow(
      new RegExp(`evil\\.bin: header field '${name}' is ${value}; expected 1\\.\\.`),
    );
  });
  it('rejects inconsistent head counts', () => {
    expect(() => parseLlama2cCheckpoint(withHeader((b) => b.writeInt32LE(7, 12)), f)).toThrow(/header field 'dim' \(64\) is not a multiple of 'n_heads' \(7\)/);
    expect(() => parseLlama2cCheckpoint(withHeader((b) => b.writeInt32LE(3, 16)), f)).toThrow(/header field 'n_heads' \(8\) is not a multiple of 'n_kv_heads' \(3\)/);
  });
  it('rejects a bad shared_classifier flag in v1', () => {
    expect(() => parseLlama2cCheckpoint(withHeader((b) => (b[36] = 7), v1), f)).toThrow(/header field 'shared_classifier' is 7; expected 0 or 1/);
  });
  it('rejects a file that is not a checkpoint (a tokenizer)', () => {
    expect(() => parseLlama2cCheckpoint(asset('tok512.bin'), f)).toThrow(/^evil\.bin: /);
  });
});
