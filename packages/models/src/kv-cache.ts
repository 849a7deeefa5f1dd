/**
 * The KV cache every architecture of this package shares: per layer, the keys and values of the
 * positions already seen, so decoding one token costs one position's work.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KVCache } from '@agon/core';

/**
 * Keys and values of one layer, each [B, Hkv, Tk, D].
 *
 * @example
 * ```ts
 * const { k, v } = (cache as LayerKVCache).layers[0]; // k.shape: [B, Hkv, Tk, D]
 * ```
 */
export interface LayerKV {
  k: tf.Tensor4D;
  v: tf.Tensor4D;
}

/**
 * A {@link KVCache} holding one {@link LayerKV} per decoder layer (none while empty). A forward pass
 * never changes a cache: it returns a new one, and the caller disposes the old one when done.
 *
 * @example
 * ```ts
 * let cache = emptyKVCache();
 * const out = model.forward(ids, { cache });
 * cache.dispose();
 * cache = out.cache as LayerKVCache;
 * ```
 */
export class LayerKVCache implements KVCache {
  /** One entry per layer, or none while the cache is empty. */
  readonly layers: readonly LayerKV[];
  /** Positions held (Tk). */
  readonly length: number;

  constructor(layers: readonly LayerKV[] = []) {
    this.layers = layers;
    this.length = layers.length > 0 ? layers[0].k.shape[2] : 0;
  }

  /**
   * A new cache holding only batch rows `rows`, in that order (this one is left intact), so rows
   * that finished decoding stop costing compute.
   */
  selectRows(rows: readonly number[]): LayerKVCache {
    const B = this.layers.length > 0 ? this.layers[0].k.shape[0] : 0;
    for (const r of rows) {
      if (!Number.isInteger(r) || r < 0 || r >= B) throw new Error(`LayerKVCache.selectRows: row ${r} is outside 0..${B - 1}`);
    }
    if (this.layers.length === 0) return new LayerKVCache();
    const layers = tf.tidy(() => {
      const idx = tf.tensor1d(Array.from(rows), 'int32');
      return this.layers.map(({ k, v }) => ({ k: tf.gather(k, idx, 0) as tf.Tensor4D, v: tf.gather(v, idx, 0) as tf.Tensor4D }));
    });
    return new LayerKVCache(layers);
  }

  /** Frees every tensor the cache holds. */
  dispose(): void {
    for (const { k, v } of this.layers) {
      k.dispose();
      v.dispose();
    }
  }
}

/**
 * A cache with no positions: pass it to the first forward call to start caching.
 *
 * @example
 * ```ts
 * const { logits, cache } = model.forward(promptIds, { cache: emptyKVCache() });
 * ```
 */
export function emptyKVCache(): LayerKVCache {
  return new LayerKVCache();
}

/**
 * Checks that `cache` came from this package (or is absent) and fits a model of `numLayers` layers
 * and a batch of `batch` rows.
 *
 * @example
 * ```ts
 * const past = asLayerKVCache(opts.cache, config.numLayers, ids.shape[0]); // undefined when no cache was passed
 * ```
 */
export function asLayerKVCache(cache: KVCache | undefined, numLayers: number, batch: number): LayerKVCache | undefined {
  if (cache === undefined) return undefined;
  if (!(cache instanceof LayerKVCache)) {
    throw new Error('forward: opts.cache must be a LayerKVCache from @agon/models (start one with emptyKVCache())');
  }
  if (cache.layers.length !== 0 && cache.layers.length !== numLayers) {
    throw new Error(`forward: opts.cache has ${cache.layers.length} layers, the model has ${numLayers}`);
  }
  if (cache.layers.length > 0 && cache.layers[0].k.shape[0] !== batch) {
    throw new Error(`forward: ids have batch ${batch} but opts.cache holds batch ${cache.layers[0].k.shape[0]}`);
  }
  return cache;
}
