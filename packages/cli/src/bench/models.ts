/**
 * The models the benchmark runs: the real stories260K checkpoint, and a 15M-class Llama config
 * with random weights (llama2.c's stories15M shape), each paired with the arguments that make
 * the PyTorch reference build the same model.
 */
import { DecoderModel, decoderWeightShapes, loadModel, parseDecoderConfig, STORIES_260K, weightSource, type HostTensor, type LoadedModel } from '@agon/models';
import { createRng } from '@agon/tensor';
import { syntheticTokenizer } from './synthetic-tokenizer.js';

/** Names of the benchmark models. */
export const BENCH_MODELS = ['stories260K', 'stories15M'] as const;

/**
 * One benchmark model by name.
 *
 * @example
 * ```ts
 * const m: BenchModelName = 'stories15M';
 * ```
 */
export type BenchModelName = (typeof BENCH_MODELS)[number];

/** stories15M's shape (llama2.c): dim 288, 6 layers, 6 heads, MLP 768, vocab 32000, 256 positions. */
const STORIES_15M_CONFIG = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: 288,
  intermediate_size: 768,
  num_hidden_layers: 6,
  num_attention_heads: 6,
  num_key_value_heads: 6,
  vocab_size: 32000,
  max_position_embeddings: 256,
  rms_norm_eps: 1e-5,
  tie_word_embeddings: true,
};

/**
 * Random weights as llama2.c's model.py initialises them: N(0, 0.02) for matrices (scaled by
 * 1/√(2L) for the output projections), ones for the norms. Seeded, so every run is the same model.
 */
function randomWeights(shapes: [string, number[]][], numLayers: number, seed: number): Map<string, HostTensor> {
  const rng = createRng(seed);
  const out = new Map<string, HostTensor>();
  for (const [key, shape] of shapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (shape.length === 1) data.fill(1);
    else {
      const scaled = key.endsWith('o_proj.weight') || key.endsWith('down_proj.weight');
      const std = scaled ? 0.02 / Math.sqrt(2 * numLayers) : 0.02;
      for (let i = 0; i < n; i += 2) {
        // Box–Muller: two normals from two uniforms.
        const r = Math.sqrt(-2 * Math.log(1 - rng.next())) * std;
        const a = 2 * Math.PI * rng.next();
        data[i] = r * Math.cos(a);
        if (i + 1 < n) data[i + 1] = r * Math.sin(a);
      }
    }
    out.set(key, { shape, data });
  }
  return out;
}

/**
 * Loads a benchmark model on the current backend (initialise the backend first).
 *
 * @example
 * ```ts
 * const { model, tokenizer } = await loadBenchModel('stories15M');
 * model.dispose();
 * ```
 */
export async function loadBenchModel(name: BenchModelName): Promise<LoadedModel> {
  if (name === 'stories260K') return loadModel(STORIES_260K);
  const cfg = parseDecoderConfig(STORIES_15M_CONFIG, 'bench:stories15M', { architecture: 'llama' });
  const weights = randomWeights(decoderWeightShapes(cfg), cfg.numLayers, 15);
  const model = new DecoderModel(cfg, weightSource('bench:stories15M (random init)', weights), { hfArchitecture: 'LlamaForCausalLM', modelType: 'llama' });
  return { model, tokenizer: syntheticTokenizer(cfg.vocabSize), eosIds: [] };
}

/**
 * The torch_ref.py arguments that build the same model: the same checkpoint file for
 * stories260K, the `stories15M` preset (random init) otherwise.
 *
 * @example
 * ```ts
 * torchModelArgs('stories260K'); // ['--checkpoint', '/…/stories260K.bin']
 * ```
 */
export function torchModelArgs(name: BenchModelName): string[] {
  return name === 'stories260K' ? ['--checkpoint', STORIES_260K] : ['--config', 'stories15M'];
}
