/**
 * Additive attention masks: the causal and sliding-window part filled on the host and uploaded as
 * one tensor (on wasm, building it from `range` + comparisons ran tfjs' scalar broadcasting loops,
 * ~7 ms a forward at 256 positions), the padding part from the caller's [B, Tk] tensor with tf ops.
 * No `bandPart`: it has no gradient and corrupts the wasm heap on bool input. Not @agon/tensor's
 * attentionMask: that one has no sliding window.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Added to the score of a hidden key: large enough to zero it after softmax, finite so a row with every key hidden stays NaN-free. */
export const MASKED = -1e9;

/** The last values {@link causalValues} made, reused while the same mask is asked for again (every training step). */
let lastValues: { key: string; values: Float32Array } | undefined;

/**
 * The causal (and sliding-window) mask [1, 1, T, past + T] as host values: query i sits at
 * position past + i and sees key j when j ≤ past + i and, with a `window`, past + i − j < window.
 * The same array comes back for the same arguments (a fresh 256 KB array a step cost about a
 * millisecond of garbage collection); tfjs never writes into a tensor's values, so tensors may share it.
 */
function causalValues(T: number, past: number, window?: number): Float32Array {
  const key = `${T},${past},${window}`;
  if (lastValues?.key === key) return lastValues.values;
  const Tk = past + T;
  const values = new Float32Array(T * Tk);
  for (let i = 0; i < T; i++) {
    const q = past + i;
    const row = i * Tk;
    // The first visible key: the smallest j with q − j < window.
    const first = window === undefined ? 0 : Math.min(Tk, Math.max(0, Math.floor(q - window) + 1));
    values.fill(MASKED, row, row + first);
    values.fill(MASKED, row + Math.max(first, q + 1), row + Tk);
  }
  lastValues = { key, values };
  return values;
}

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
    let bias: tf.Tensor = needsCausal ? tf.tensor4d(causalValues(T, past, window), [1, 1, T, Tk]) : tf.zeros([1, 1, T, Tk]);
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
