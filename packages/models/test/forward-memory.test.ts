// Memory of a forward pass without a gradient tape (sampling, reference and reward scoring): each
// layer runs in its own scope, so the most tensor bytes held at once (above the weights) does not
// grow with the number of layers. The same width at 2 and 8 layers, Llama-family and GPT-2: the
// 8-layer peak within 10% of the 2-layer one (before, every layer's intermediates were kept until
// the pass ended: about 4×).
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM } from '@agon/core';
import { DecoderModel, decoderWeightShapes, Gpt2Model, gpt2WeightShapes, parseDecoderConfig, parseGpt2Config, weightSource, type HostTensor } from '@agon/models';
import { watchPeakTensorBytes } from '@agon/tensor';
import { describeEachBackend, expectNoLeaks } from '@agon/tensor/testing';

/** Deterministic small weights (ones for the norms' 1-D gains) for every key of `shapes`. */
function weights(shapes: [string, number[]][]): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const [key, shape] of shapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (shape.length === 1) data.fill(key.endsWith('bias') ? 0 : 1);
    else for (let i = 0; i < n; i++) data[i] = 0.02 * Math.sin(i * 0.37 + shape[0]);
    out.set(key, { shape, data });
  }
  return out;
}

function llama(layers: number): CausalLM {
  const cfg = parseDecoderConfig(
    { architectures: ['LlamaForCausalLM'], hidden_size: 64, intermediate_size: 172, num_hidden_layers: layers, num_attention_heads: 4, num_key_value_heads: 2, vocab_size: 256, max_position_embeddings: 128 },
    'test:llama',
    { architecture: 'llama' },
  );
  return new DecoderModel(cfg, weightSource('test:llama', weights(decoderWeightShapes(cfg))), { hfArchitecture: 'LlamaForCausalLM', modelType: 'llama' });
}

function gpt2(layers: number): CausalLM {
  const cfg = parseGpt2Config({ architectures: ['GPT2LMHeadModel'], vocab_size: 256, n_embd: 64, n_layer: layers, n_head: 4, n_positions: 128 }, 'test:gpt2');
  return new Gpt2Model(cfg, weightSource('test:gpt2', weights(gpt2WeightShapes(cfg))));
}

/** Peak tensor bytes above those held before, of a no-tape forward pass over [4, 64] ids. */
function peakOfForward(model: CausalLM): number {
  const ids = tf.tensor2d(Array.from({ length: 4 }, (_, r) => Array.from({ length: 64 }, (_, i) => (i * 31 + r) % 256)), undefined, 'int32');
  const held = tf.memory().numBytes;
  const watch = watchPeakTensorBytes();
  const { logits } = model.forward(ids, { lastOnly: true });
  watch.stop();
  tf.dispose([ids, logits]);
  model.dispose();
  return watch.peak() - held;
}

await describeEachBackend('forward pass memory', () => {
  for (const [name, build] of [['llama', llama], ['gpt2', gpt2]] as const) {
    it(`${name}: the peak does not grow with the number of layers`, () =>
      expectNoLeaks(async () => {
        const two = peakOfForward(build(2));
        const eight = peakOfForward(build(8));
        expect(two).toBeGreaterThan(1e6); // one layer's intermediates at [4, 64]: over 1 MB
        expect(eight).toBeLessThan(1.1 * two);
      }));
  }
});
