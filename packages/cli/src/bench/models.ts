/**
 * The models the benchmark runs: the real stories260K checkpoint, a 15M-class Llama config with
 * random weights (llama2.c's stories15M shape), and the exact shapes of SmolLM2-135M-Instruct and
 * Qwen2.5-0.5B-Instruct as Hugging Face folders with random weights (written into the temp
 * directory on first use, never downloaded), each paired with the arguments that make the PyTorch
 * reference build the same model.
 */
import { access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecoderModel, decoderWeightShapes, loadModel, parseDecoderConfig, STORIES_260K, weightSource, type HostTensor, type LoadedModel } from '@agon/models';
import { HF_SHAPES, writeRandomHfFolder, type HfShapeName } from '@agon/models/testing';
import { createRng } from '@agon/tensor';
import { syntheticTokenizer } from './synthetic-tokenizer.js';

/** Names of the benchmark models. */
export const BENCH_MODELS = ['stories260K', 'stories15M', 'smollm-135m', 'qwen2.5-0.5b'] as const;

/** The models a run benchmarks when `--models` is not given (the real-shape ones take minutes a row). */
export const DEFAULT_BENCH_MODELS: readonly BenchModelName[] = ['stories260K', 'stories15M'];

function isHfShape(name: string): name is HfShapeName {
  return (HF_SHAPES as readonly string[]).includes(name);
}

/**
 * The folder of a real-shape model (random weights), written on first use into
 * `$TMPDIR/agon-bench-shapes/<name>` (seed 0: every run and the PyTorch side read the same weights).
 *
 * @example
 * ```ts
 * const dir = await benchShapeFolder('smollm-135m');
 * ```
 */
export async function benchShapeFolder(name: HfShapeName): Promise<string> {
  const dir = join(tmpdir(), 'agon-bench-shapes', name);
  const done = join(dir, 'config.json'); // written last
  try {
    await access(done);
  } catch {
    await writeRandomHfFolder(name, dir);
  }
  return dir;
}

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
  if (isHfShape(name)) return loadModel(await benchShapeFolder(name));
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
 * await torchModelArgs('stories260K'); // ['--checkpoint', '/…/stories260K.bin']
 * ```
 */
export async function torchModelArgs(name: BenchModelName): Promise<string[]> {
  if (isHfShape(name)) return ['--hf', await benchShapeFolder(name)];
  return name === 'stories260K' ? ['--checkpoint', STORIES_260K] : ['--config', 'stories15M'];
}
