// The Llama-family decoder against a float64 JS reference (llama-reference.ts) on tiny random
// weights covering every switch: interleaved/halves RoPE, GQA and MQA, q/k/v/o biases, untied head,
// llama3 rope scaling, Qwen3 q/k norms with head_dim ≠ C/H, a sliding window. Also the KV cache,
// left padding with positions + a [B, Tk] mask, and gradients against finite differences.
import * as tf from '@tensorflow/tfjs-core';
import { describeEachBackend, expectNoLeaks } from '@agon/tensor/testing';
import {
  DecoderModel,
  decoderWeightShapes,
  emptyKVCache,
  weightSource,
  type DecoderConfig,
  type HostTensor,
  type LayerKVCache,
} from '@agon/models';
import { referenceLogits, seededUniform, type Weights } from './llama-reference.js';

const base: DecoderConfig = {
  architecture: 'llama', vocabSize: 32, hiddenSize: 16, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 4,
  maxPositions: 64, intermediateSize: 24, rmsNormEps: 1e-5, ropeTheta: 10000, ropeLayout: 'interleaved',
  tieWordEmbeddings: true, qkvBias: false, oBias: false, qkNorm: false,
};
const configs: Record<string, DecoderConfig> = {
  'interleaved GQA tied (llama2.c)': base,
  'halves, q/k/v/o bias, untied, llama3 scaling': {
    ...base, ropeLayout: 'halves', headDim: 8, numHeads: 2, qkvBias: true, oBias: true, tieWordEmbeddings: false,
    ropeScaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 16 },
  },
  'qwen3 q/k norm, head_dim 6, MQA': { ...base, ropeLayout: 'halves', numHeads: 2, numKvHeads: 1, headDim: 6, qkNorm: true },
  'mistral sliding window 3': { ...base, ropeLayout: 'halves', slidingWindow: 3, ropeTheta: 100 },
};

/** Random weights (norm gains near 1) for `cfg`. */
function randomWeights(cfg: DecoderConfig, seed: number): Map<string, HostTensor> {
  const u = seededUniform(seed);
  const out = new Map<string, HostTensor>();
  for (const [key, shape] of decoderWeightShapes(cfg)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const norm = key.endsWith('norm.weight') || key.endsWith('layernorm.weight');
    out.set(key, { shape, data: Float32Array.from({ length: n }, () => (norm ? 1 + 0.2 * u() : 0.5 * u())) });
  }
  return out;
}

function build(cfg: DecoderConfig, ws: Map<string, HostTensor>): DecoderModel {
  return new DecoderModel(cfg, weightSource('random', ws), { hfArchitecture: 'LlamaForCausalLM', modelType: 'llama' });
}

/** Worst |a − e| / max(|e|, 1). */
function worstRel(a: ArrayLike<number>, e: ArrayLike<number>): number {
  expect(a.length).toBe(e.length);
  let worst = 0;
  for (let i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(a[i] - e[i]) / Math.max(Math.abs(e[i]), 1));
  return worst;
}

const ids = [3, 17, 5, 30, 9, 1, 22];

await describeEachBackend('Llama-family decoder vs float64 reference', (backend) => {
  // WebGPU in CI runs on SwiftShader, where every new shape compiles shaders for seconds: it runs
  // two configs (both RoPE layouts, GQA, biases, llama3 scaling) and the padding test; the switches
  // left out (q/k norm, window) and the gradients use the same ops, checked by the tensor conformance suite.
  const onGpu = backend === 'webgpu';
  for (const [n, [name, cfg]] of Object.entries(configs).entries()) {
    (onGpu && n >= 2 ? it.skip : it)(`${name}: logits within 1e-4, and cached decoding equals one pass`, () =>
      expectNoLeaks(async () => {
        const ws = randomWeights(cfg, 7);
        const model = build(cfg, ws);
        const want = referenceLogits(cfg, ws, ids).flat();
        const x = tf.tensor2d([ids], [1, ids.length], 'int32');
        const { logits } = model.forward(x);
        expect(logits.shape).toEqual([1, ids.length, cfg.vocabSize]);
        expect(worstRel(await logits.data(), want)).toBeLessThan(1e-4);
        let cache: LayerKVCache = emptyKVCache();
        const rows: number[] = [];
        for (const chunk of [ids.slice(0, 2), ids.slice(2, 5), [ids[5]], [ids[6]]]) {
          const c = tf.tensor2d([chunk], [1, chunk.length], 'int32');
          const out = model.forward(c, { cache });
          cache.dispose();
          cache = out.cache as LayerKVCache;
          rows.push(...(await out.logits.data()));
          tf.dispose([c, out.logits]);
        }
        expect(worstRel(rows, want)).toBeLessThan(1e-4);
        tf.dispose([x, logits]);
        cache.dispose();
        model.dispose();
      }));
  }

  it('left padding: positions + a [B, Tk] mask give each row its unpadded logits, also with the cache', () =>
    expectNoLeaks(async () => {
      const cfg = configs['halves, q/k/v/o bias, untied, llama3 scaling'];
      const ws = randomWeights(cfg, 11);
      const model = build(cfg, ws);
      const short = [4, 8, 15];
      const long = [16, 23, 42 % 32, 7, 2];
      const x = tf.tensor2d([[0, 0, ...short], long], [2, 5], 'int32');
      const mask = tf.tensor2d([[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]], [2, 5]);
      const positions = tf.tensor2d([[0, 0, 0, 1, 2], [0, 1, 2, 3, 4]], [2, 5], 'int32');
      const out = model.forward(x, { cache: emptyKVCache(), mask, positions });
      const got = (await out.logits.array()) as number[][][];
      expect(worstRel(got[0].slice(2).flat(), referenceLogits(cfg, ws, short).flat())).toBeLessThan(1e-4);
      expect(worstRel(got[1].flat(), referenceLogits(cfg, ws, long).flat())).toBeLessThan(1e-4);
      // One more token per row, continuing the cache.
      const x2 = tf.tensor2d([[9], [10]], [2, 1], 'int32');
      const mask2 = tf.tensor2d([[0, 0, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1]], [2, 6]);
      const pos2 = tf.tensor2d([[3], [5]], [2, 1], 'int32');
      const next = model.forward(x2, { cache: out.cache, mask: mask2, positions: pos2 });
      const got2 = (await next.logits.array()) as number[][][];
      expect(worstRel(got2[0][0], referenceLogits(cfg, ws, [...short, 9])[3])).toBeLessThan(1e-4);
      expect(worstRel(got2[1][0], referenceLogits(cfg, ws, [...long, 10])[5])).toBeLessThan(1e-4);
      // selectRows keeps row 1 only: decoding it alone gives the same next logits.
      const only1 = (next.cache as LayerKVCache).selectRows([1]);
      expect(only1.length).toBe(6);
      const x3 = tf.tensor2d([[11]], [1, 1], 'int32');
      const last = model.forward(x3, { cache: only1 });
      expect(worstRel(await last.logits.data(), referenceLogits(cfg, ws, [...long, 10, 11])[6])).toBeLessThan(1e-4);
      tf.dispose([x, mask, positions, out.logits, x2, mask2, pos2, next.logits, x3, last.logits]);
      for (const c of [out.cache, next.cache, only1, last.cache]) c?.dispose();
      model.dispose();
    }));

  (onGpu ? it.skip : it)('gradients of Σ logits·R match central finite differences of the float64 reference', () =>
    expectNoLeaks(async () => {
      const cfg = configs['qwen3 q/k norm, head_dim 6, MQA'];
      const ws = randomWeights(cfg, 5);
      const model = build(cfg, ws);
      const seq = ids.slice(0, 5);
      const u = seededUniform(99);
      const R = Float64Array.from({ length: seq.length * cfg.vocabSize }, () => u());
      const loss64 = (wsx: Weights) => referenceLogits(cfg, wsx, seq).flat().reduce((s, v, i) => s + v * R[i], 0);
      const x = tf.tensor2d([seq], [1, seq.length], 'int32');
      const r = tf.tensor3d(Float32Array.from(R), [1, seq.length, cfg.vocabSize]);
      const { grads, value } = tf.variableGrads(() => tf.sum(tf.mul(model.forward(x).logits, r)) as tf.Scalar);
      const keys = ['model.embed_tokens.weight', 'model.layers.0.self_attn.q_proj.weight', 'model.layers.1.self_attn.k_proj.weight',
        'model.layers.0.mlp.gate_proj.weight', 'model.layers.1.input_layernorm.weight', 'model.norm.weight',
        ...(cfg.qkNorm ? ['model.layers.0.self_attn.k_norm.weight'] : [])];
      expect(Object.keys(grads).length).toBe(model.trainableVariables().length); // gradients flow to every weight
      for (const key of keys) {
        const g = await grads[model.weights.get(key)!.name].data();
        const t = ws.get(key)!;
        for (const idx of [0, Math.floor(t.data.length / 2), t.data.length - 1]) {
          const plus = new Map(ws) as Weights;
          const minus = new Map(ws) as Weights;
          const eps = 1e-5;
          const p = Float64Array.from(t.data);
          const m = Float64Array.from(t.data);
          p[idx] += eps;
          m[idx] -= eps;
          plus.set(key, { shape: t.shape, data: p });
          minus.set(key, { shape: t.shape, data: m });
          const fd = (loss64(plus) - loss64(minus)) / (2 * eps);
          expect(Math.abs(g[idx] - fd)).toBeLessThan(2e-3 * Math.max(1, Math.abs(fd)));
        }
      }
      tf.dispose([x, r, value, ...Object.values(grads)]);
      model.dispose();
    }));
});
