/**
 * A scripted causal LM for tests without weights: `next(context)` says which token follows, and
 * the logits put `confidence` nats on it, plus one trainable bias per vocabulary entry, so a
 * trainer can sample from it, take gradients and apply optimizer steps.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM, ForwardOptions, KVCache, ModelConfig } from '@agon/core';

/**
 * Options of {@link scriptedModel}.
 *
 * @example
 * ```ts
 * const opts: ScriptedModelOptions = { vocabSize: 32, next: (ids) => (ids.length % 5 === 0 ? 2 : 7) };
 * ```
 */
export interface ScriptedModelOptions {
  /** V: ids are 0..vocabSize−1. */
  vocabSize: number;
  /** The scripted next token after `context` (the ids so far, padding left out). */
  next(context: readonly number[]): number;
  /** How many nats the scripted token leads by (before the bias). Default 8. */
  confidence?: number;
  /** Longest sequence. Default 512. */
  maxPositions?: number;
}

/** The ids each row has seen (host side): the whole cache of a scripted model. */
class ScriptedCache implements KVCache {
  constructor(readonly rows: readonly (readonly number[])[], readonly length: number) {}
  selectRows(rows: readonly number[]): KVCache {
    return new ScriptedCache(rows.map((r) => this.rows[r]), this.length);
  }
  /** Holds no tensors: nothing to free. */
  dispose(): void {
    return undefined;
  }
}

let instances = 0;

/**
 * A {@link CausalLM} following a script: logits [B, T, V] = confidence · onehot(next(context)) +
 * bias, where `bias` ([V], zeros at first) is its one trainable variable. Supports the KV cache and
 * left-padding mask that `generate` uses.
 *
 * @example
 * ```ts
 * import { charTokenizer } from '@agon/objectives/testing';
 * const tokenizer = charTokenizer();
 * const model = scriptedModel({ vocabSize: tokenizer.vocabSize, next: () => tokenizer.eosId });
 * const loaded = { model, tokenizer, eosIds: [tokenizer.eosId] };
 * ```
 */
export function scriptedModel(opts: ScriptedModelOptions): CausalLM & { readonly bias: tf.Variable } {
  const V = opts.vocabSize;
  const confidence = opts.confidence ?? 8;
  const config: ModelConfig = { architecture: 'scripted', vocabSize: V, hiddenSize: 1, numLayers: 0, numHeads: 1, numKvHeads: 1, headDim: 1, maxPositions: opts.maxPositions ?? 512 };
  const bias = tf.variable(tf.zeros([V]), true, `scripted${instances++}/bias`);
  return {
    config,
    bias,
    forward(ids: tf.Tensor2D, fo: ForwardOptions = {}) {
      const [B, T] = ids.shape;
      const rows = ids.arraySync();
      const past = fo.cache instanceof ScriptedCache ? fo.cache : null;
      const mask = fo.mask && fo.mask.rank === 2 ? (fo.mask.arraySync() as number[][]) : null;
      const start = past?.length ?? 0;
      const hot = new Float32Array(B * T * V);
      const seen: number[][] = [];
      for (let b = 0; b < B; b++) {
        const context = [...(past?.rows[b] ?? [])];
        for (let t = 0; t < T; t++) {
          if (!mask || mask[b][start + t] !== 0) context.push(rows[b][t]);
          const id = opts.next(context);
          if (Number.isInteger(id) && id >= 0 && id < V) hot[(b * T + t) * V + id] = confidence;
        }
        seen.push(context);
      }
      const logits = tf.tidy(() => tf.add(tf.tensor3d(hot, [B, T, V]), bias) as tf.Tensor3D);
      return { logits, ...(fo.cache !== undefined || start === 0 ? { cache: new ScriptedCache(seen, start + T) } : {}) };
    },
    trainableVariables: () => [bias],
    dispose: () => bias.dispose(),
  };
}
