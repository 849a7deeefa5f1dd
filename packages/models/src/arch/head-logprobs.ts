/**
 * The scoring path every architecture shares: final hidden states → token log-probs and entropies
 * through the output projection, without the [B, T, V] logits (see linearTokenLogprobs).
 */
import * as tf from '@tensorflow/tfjs-core';
import { linearTokenLogprobs } from '@agon/tensor';

/**
 * log p(targets) and entropies [B, W] from hidden [B, T, C] at positions `offset…T−1` (W = T − offset),
 * through the output projection `head` [V, C].
 *
 * @throws naming the shapes when targets do not cover positions offset…T−1.
 * @example
 * ```ts
 * const { logprobs, entropy } = headLogprobs(hidden, lmHead, targets, 3); // targets [B, T − 3]
 * ```
 */
export function headLogprobs(hidden: tf.Tensor3D, head: tf.Tensor, targets: tf.Tensor2D, offset: number): { logprobs: tf.Tensor2D; entropy: tf.Tensor2D } {
  const [B, T, C] = hidden.shape;
  const W = T - offset;
  if (!(Number.isInteger(offset) && offset >= 0 && offset < T) || targets.shape[0] !== B || targets.shape[1] !== W) {
    throw new Error(`tokenLogprobs: targets must be [${B}, T − offset] = [${B}, ${W}] for ids [${B}, ${T}] and offset ${offset}; got targets [${targets.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const h = offset === 0 ? hidden : tf.slice(hidden, [0, offset, 0], [B, W, C]);
    const { logprobs, entropy } = linearTokenLogprobs(tf.reshape(h, [B * W, C]) as tf.Tensor2D, head as tf.Tensor2D, tf.reshape(targets, [B * W]) as tf.Tensor1D);
    return { logprobs: tf.reshape(logprobs, [B, W]) as tf.Tensor2D, entropy: tf.reshape(entropy, [B, W]) as tf.Tensor2D };
  });
}
