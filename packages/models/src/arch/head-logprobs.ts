/**
 * The output head every architecture shares: final hidden states → logits, or → token log-probs
 * and entropies without the [B, T, V] logits (see linearTokenLogprobs).
 */
import * as tf from '@tensorflow/tfjs-core';
import { linear, linearTokenLogprobs } from '@agon/tensor';
import type { TokenLogprobDefaults, TokenLogprobOptions, TokenLogprobs } from '@agon/core';

/**
 * Logits [B, T, V] from hidden [B, T, C] through the output projection `head` [V, C]; with
 * `lastOnly`, only the last position's, [B, 1, V]. Takes ownership of `hidden` (disposes it).
 *
 * @example
 * ```ts
 * const logits = headLogits(hidden, lmHead, opts.lastOnly); // [B, T, V]
 * ```
 */
export function headLogits(hidden: tf.Tensor3D, head: tf.Tensor, lastOnly = false): tf.Tensor3D {
  const [B, T, C] = hidden.shape;
  const V = head.shape[0];
  try {
    return tf.tidy(() => {
      const h = lastOnly ? tf.slice(hidden, [0, T - 1, 0], [B, 1, C]) : hidden;
      const Tout = lastOnly ? 1 : T;
      return tf.reshape(linear(tf.reshape(h, [B * Tout, C]) as tf.Tensor2D, head as tf.Tensor2D), [B, Tout, V]) as tf.Tensor3D;
    });
  } finally {
    hidden.dispose();
  }
}

/**
 * log p(targets) and entropies [B, W] from hidden [B, T, C] at positions `offset…T−1` (W = T − offset),
 * through the output projection `head` [V, C], in chunks (no [B, T, V] logits, forward or
 * backward); with `entropy: false` the log-probs only. Takes ownership of `hidden` (disposes it).
 *
 * @throws naming the shapes when targets do not cover positions offset…T−1.
 * @example
 * ```ts
 * const { logprobs, entropy } = headLogprobs(hidden, lmHead, targets, { offset: 3 }); // targets [B, T − 3]
 * ```
 */
export function headLogprobs<O extends TokenLogprobOptions = TokenLogprobDefaults>(hidden: tf.Tensor3D, head: tf.Tensor, targets: tf.Tensor2D, opts?: O): TokenLogprobs<O> {
  try {
    const [B, T, C] = hidden.shape;
    const offset = opts?.offset ?? 0;
    const W = T - offset;
    if (!(Number.isInteger(offset) && offset >= 0 && offset < T) || targets.shape[0] !== B || targets.shape[1] !== W) {
      throw new Error(`tokenLogprobs: targets must be [${B}, T − offset] = [${B}, ${W}] for ids [${B}, ${T}] and offset ${offset}; got targets [${targets.shape.join(', ')}]`);
    }
    return tf.tidy(() => {
      const h = offset === 0 ? hidden : tf.slice(hidden, [0, offset, 0], [B, W, C]);
      const { logprobs, entropy } = linearTokenLogprobs(tf.reshape(h, [B * W, C]) as tf.Tensor2D, head as tf.Tensor2D, tf.reshape(targets, [B * W]) as tf.Tensor1D, {
        entropy: opts?.entropy !== false,
      });
      const lp = tf.reshape(logprobs, [B, W]) as tf.Tensor2D;
      return entropy ? { logprobs: lp, entropy: tf.reshape(entropy, [B, W]) as tf.Tensor2D } : { logprobs: lp };
    }) as TokenLogprobs<O>;
  } finally {
    hidden.dispose();
  }
}
