import * as tf from '@tensorflow/tfjs-core';

/**
 * Options of {@link attentionMask}.
 *
 * @example
 * ```ts
 * // 1 new token after 7 cached ones, rows of a left-padded batch:
 * const opts: AttentionMaskOptions = { queryLength: 1, keyLength: 8, padding: keepBTk };
 * ```
 */
export interface AttentionMaskOptions {
  /** Number of query positions T (new tokens in this forward pass). */
  queryLength: number;
  /** Number of key positions Tk (cached + new). Default `offset + queryLength`. */
  keyLength?: number;
  /**
   * Absolute position of the first query among the keys: query i sees keys j ≤ offset + i.
   * Default `keyLength − queryLength` (the queries are the last T keys, as in KV-cache decoding).
   */
  offset?: number;
  /** [B, Tk] keep-mask (1/true = real token, 0/false = padding); padded keys are never attended. */
  padding?: tf.Tensor;
  /** Apply the causal rule. Default true; false leaves only the padding rule. */
  causal?: boolean;
  /** Sliding window (Mistral-style): query at position p also needs p − j < window. Causal only. */
  window?: number;
  /** Value added to blocked scores. Default −1e9 (finite, so a fully blocked row gives no NaN). */
  blocked?: number;
}

/**
 * Additive attention mask [B, 1, T, Tk] (B = 1 without padding): 0 where query i may attend key j,
 * `blocked` elsewhere. Built from `range` + `greaterEqual` (no `linalg.bandPart`, which has no
 * gradient and corrupts the wasm heap on bool input).
 *
 * @example
 * ```ts
 * import { attentionMask } from '@agon/tensor';
 * const m = attentionMask({ queryLength: 3 }); // [1, 1, 3, 3]: 0 on and below the diagonal
 * const scores = scoresBHTT.add(m);             // then softmax over the last axis
 * ```
 */
export function attentionMask(opts: AttentionMaskOptions): tf.Tensor4D {
  const T = opts.queryLength;
  const offset = opts.offset ?? (opts.keyLength !== undefined ? opts.keyLength - T : 0);
  const Tk = opts.keyLength ?? offset + T;
  const blocked = opts.blocked ?? -1e9;
  for (const [name, v] of [['queryLength', T], ['keyLength', Tk], ['offset', offset]] as const) {
    if (!Number.isInteger(v) || v < 0) {
      throw new Error(`attentionMask: ${name} must be a non-negative integer, got ${v}`);
    }
  }
  if (opts.window !== undefined && (!Number.isInteger(opts.window) || opts.window < 1)) {
    throw new Error(`attentionMask: window must be a positive integer, got ${opts.window}`);
  }
  const pad = opts.padding;
  if (pad && (pad.rank !== 2 || pad.shape[1] !== Tk)) {
    throw new Error(`attentionMask: padding must have shape [B, ${Tk}] (keyLength), got [${pad.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    let allowed: tf.Tensor = tf.ones([1, 1, T, Tk], 'bool');
    if (opts.causal ?? true) {
      const q = tf.reshape(tf.range(offset, offset + T, 1, 'int32'), [T, 1]);
      const k = tf.reshape(tf.range(0, Tk, 1, 'int32'), [1, Tk]);
      let ok = tf.greaterEqual(q, k);
      if (opts.window !== undefined) ok = tf.logicalAnd(ok, tf.less(tf.sub(q, k), tf.scalar(opts.window, 'int32')));
      allowed = tf.reshape(ok, [1, 1, T, Tk]);
    }
    if (pad) {
      const keep = tf.reshape(tf.notEqual(tf.cast(pad, 'float32'), 0), [pad.shape[0], 1, 1, Tk]);
      allowed = tf.logicalAnd(allowed, keep);
    }
    const shape: [number, number, number, number] = [pad ? pad.shape[0] : 1, 1, T, Tk];
    return tf.where(tf.broadcastTo(allowed, shape), tf.zeros(shape), tf.fill(shape, blocked)) as tf.Tensor4D;
  });
}
