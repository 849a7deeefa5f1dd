/**
 * Turning a Llama-family model back into a Hugging Face checkpoint, including the one layout change
 * llama2.c needs: its RoPE rotates interleaved pairs (2i, 2i+1) while Hugging Face rotates halves
 * (i, i+D/2), so the q and k projection rows of every head are reordered.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { HostTensor } from '../weights.js';
import type { DecoderConfig } from '../config/types.js';
import { decoderConfigToHf } from './decoder-config.js';

/**
 * Reorders the rows of a [heads·D, cols] matrix (or a [heads·D] vector, cols = 1) from the
 * interleaved RoPE layout to the halves layout: new row i of a head is old row 2i, new row i+D/2 is
 * old row 2i+1. The dot product of q and k is unchanged because both get the same permutation.
 *
 * @example
 * ```ts
 * interleavedToHalves({ shape: [4, 1], data: new Float32Array([0, 1, 2, 3]) }, 4).data; // [0, 2, 1, 3]
 * ```
 */
export function interleavedToHalves(t: HostTensor, headDim: number): HostTensor {
  const rows = t.shape[0];
  const cols = t.data.length / rows;
  if (rows % headDim !== 0) throw new Error(`interleavedToHalves: ${rows} rows is not a multiple of head size ${headDim}`);
  const out = new Float32Array(t.data.length);
  const half = headDim / 2;
  for (let base = 0; base < rows; base += headDim) {
    for (let i = 0; i < half; i++) {
      out.set(t.data.subarray((base + 2 * i) * cols, (base + 2 * i + 1) * cols), (base + i) * cols);
      out.set(t.data.subarray((base + 2 * i + 1) * cols, (base + 2 * i + 2) * cols), (base + half + i) * cols);
    }
  }
  return { shape: [...t.shape], data: out };
}

/** True for the tensors whose rows follow the RoPE layout (q/k projections, their biases and norms are per-dimension too). */
export function isRopeRotated(key: string): boolean {
  return /\.self_attn\.(q|k)_proj\.(weight|bias)$/.test(key) || /\.self_attn\.(q|k)_norm\.weight$/.test(key);
}

/**
 * Host copies of `weights` in Hugging Face layout, plus the `config.json` object.
 *
 * @example
 * ```ts
 * const { config, tensors } = await decoderExport(cfg, model.weights, { hfArchitecture: 'LlamaForCausalLM', modelType: 'llama' });
 * ```
 */
export async function decoderExport(
  cfg: DecoderConfig,
  weights: ReadonlyMap<string, tf.Tensor>,
  identity: { hfArchitecture: string; modelType: string },
): Promise<{ config: Record<string, unknown>; tensors: Map<string, HostTensor> }> {
  const tensors = new Map<string, HostTensor>();
  for (const [key, v] of weights) {
    let t: HostTensor = { shape: [...v.shape], data: (await v.data()) as Float32Array };
    if (cfg.ropeLayout === 'interleaved' && isRopeRotated(key)) t = interleavedToHalves(t, cfg.headDim);
    tensors.set(key, t);
  }
  const config = decoderConfigToHf(cfg, identity.hfArchitecture, identity.modelType);
  if (identity.modelType === 'qwen2') delete config['attention_bias'];
  return { config, tensors };
}
