/**
 * Additive attention masks built from `range` + comparisons (no `bandPart`: it has no gradient and
 * corrupts the wasm heap on bool input). Not @agon/tensor's attentionMask: that one has no sliding window.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Added to the score of a hidden key: large enough to zero it after softmax, finite so a row with every key hidden stays NaN-free. */
export const MASKED = -1e9;

/**
 * The additive mask [B or 1, 1, T, Tk] for T new queries after `past` cached positions (Tk = past + T):
 * query i sees key j when j ≤ past + i, j is not padding (`padding` [B, Tk]: 1 = attend, 0 = pad)
 * and, with a sliding `window`, past + i − j < window. Returns undefined when nothing is hidden.
 *
 * @example
 * ```ts
 * const bias = causalMask(3, 0); // [1, 1, 3, 3]: 0 on and below the diagonal, -1e9 above
 * ```
 */
export function causalMask(T: number, past: number, padding?: tf.Tensor, window?: number): tf.Tensor4D | undefined {
  const Tk = past + T;
  const needsCausal = T > 1 || (window !== undefined && Tk > window);
  if (!needsCausal && padding === undefined) return undefined;
  return tf.tidy(() => {
    let bias: tf.Tensor = tf.zeros([1, 1, T, Tk]);
    if (needsCausal) {
      const q = tf.reshape(tf.range(past, Tk, 1, 'int32'), [T, 1]);
      const k = tf.reshape(tf.range(0, Tk, 1, 'int32'), [1, Tk]);
      let visible = tf.lessEqual(k, q); // [T, Tk]
      if (window !== undefined) visible = tf.logicalAnd(visible, tf.less(tf.sub(q, k), window));
      bias = tf.reshape(tf.mul(tf.sub(1, tf.cast(visible, 'float32')), MASKED), [1, 1, T, Tk]);
    }
    if (padding !== undefined) {
      if (padding.rank !== 2 || padding.shape[1] !== Tk) {
        throw new Error(`forward: opts.mask must be [B, ${Tk}] (cached + new positions) or [B, 1, ${T}, ${Tk}]; got [${padding.shape.join(', ')}]`);
      }
      const pad = tf.mul(tf.sub(1, tf.cast(padding, 'float32')), MASKED);
      bias = tf.add(bias, tf.reshape(pad, [padding.shape[0], 1, 1, Tk]));
    }
    return bias as tf.Tensor4D;
  });
}
