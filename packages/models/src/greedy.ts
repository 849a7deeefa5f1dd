/**
 * Plain greedy decoding with the KV cache: enough to reproduce llama2.c run.c's `-t 0` output.
 * (Sampling with temperature/top-p and log-probs is the Sampler's job.)
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM } from '@agon/core';
import { emptyKVCache, type LayerKVCache } from './kv-cache.js';

/**
 * Options of {@link greedyGenerate}.
 *
 * @example
 * ```ts
 * const opts: GreedyOptions = { steps: 200, stopIds: [1] }; // run.c -n 200, stop at BOS
 * ```
 */
export interface GreedyOptions {
  /** Forward passes, prompt included (run.c's `-n steps`): the result has at most steps + 1 ids. Capped at the model's maxPositions. */
  steps: number;
  /** Ids that end generation (not included in the result), e.g. BOS for llama2.c stories. */
  stopIds?: readonly number[];
}

/**
 * Runs `prompt` (at least one id, e.g. BOS) through `model` with a KV cache, then appends the
 * argmax token until `steps` positions are filled or a stop id comes. Like run.c, the prompt is fed
 * one token at a time and the first id is not counted, so the result (prompt + generated ids) has at
 * most `steps + 1` ids.
 *
 * @example
 * ```ts
 * const ids = await greedyGenerate(model, [1], { steps: 200, stopIds: [1] });
 * console.log(tokenizer.decode(ids)); // "Once upon a time, there was a little girl named Lily. …"
 * ```
 */
export async function greedyGenerate(model: CausalLM, prompt: readonly number[], opts: GreedyOptions): Promise<number[]> {
  if (prompt.length === 0) throw new Error('greedyGenerate: the prompt needs at least one id (e.g. BOS)');
  const steps = Math.min(opts.steps, model.config.maxPositions);
  const stops = new Set(opts.stopIds ?? []);
  const ids = [...prompt];
  let cache: LayerKVCache = emptyKVCache();
  try {
    for (let pos = 0; pos < steps && pos < ids.length; pos++) {
      const input = tf.tensor2d([[ids[pos]]], [1, 1], 'int32');
      const out = model.forward(input, { cache });
      input.dispose();
      cache.dispose();
      cache = out.cache as LayerKVCache;
      if (pos + 1 < prompt.length) {
        out.logits.dispose();
        continue; // still forcing the prompt
      }
      const next = tf.tidy(() => tf.argMax(tf.reshape(out.logits, [-1])));
      out.logits.dispose();
      const id = (await next.data())[0];
      next.dispose();
      if (stops.has(id)) break;
      ids.push(id);
    }
  } finally {
    cache.dispose();
  }
  return ids;
}
