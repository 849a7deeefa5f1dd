import * as tf from '@tensorflow/tfjs-core';
import { unaryCustomGrad } from './custom-grad.js';

/**
 * Log-probability of each target token under `softmax(logits)`, without building a one-hot over V.
 *
 * Forward: `logits[..., target] - logsumexp(logits)` where the target logit is read with one flat
 * `gather`, so memory stays at the size of the logits. The gradient is hand-written
 * (`dy · (onehot(target) − softmax(logits))`) because autodiff through `gather` would need the
 * `UnsortedSegmentSum` kernel and a second softmax; the backward pass builds one dense [..., V]
 * tensor, which is the size of the gradient anyway.
 *
 * Logits of `-Infinity` (masked vocabulary) are allowed, except for the target itself, which
 * yields `-Infinity`.
 *
 * @param logits - float32 logits, shape [..., V] (usually [B, T, V]).
 * @param targets - int32 ids in [0, V), shape [...] (logits' shape without V).
 * @returns float32 log-probs, shape [...].
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { tokenLogprobs } from '@agon/tensor';
 * const logits = tf.tensor3d([[[1, 2, 3], [0, 0, 0]]]);      // [B=1, T=2, V=3]
 * const ids = tf.tensor2d([[2, 0]], [1, 2], 'int32');        // [B, T]
 * const lp = tokenLogprobs(logits, ids);                     // [[-0.4076, -1.0986]]
 * ```
 */
export function tokenLogprobs(logits: tf.Tensor, targets: tf.Tensor): tf.Tensor {
  const lead = logits.shape.slice(0, -1);
  const V = logits.shape[logits.rank - 1];
  if (logits.rank < 1 || V === undefined) {
    throw new Error(`tokenLogprobs: logits must have shape [..., V], got [${logits.shape.join(', ')}]`);
  }
  if (targets.shape.length !== lead.length || targets.shape.some((d, i) => d !== lead[i])) {
    throw new Error(
      `tokenLogprobs: targets must have shape [${lead.join(', ')}] (logits' shape without V), ` +
        `got [${targets.shape.join(', ')}]`,
    );
  }
  if (targets.dtype !== 'int32') {
    throw new Error(`tokenLogprobs: targets must be int32, got ${targets.dtype}`);
  }
  const N = lead.reduce((a, b) => a * b, 1);
  // Targets are closed over (saved for backward), not a differentiable input.
  const op = unaryCustomGrad((x, save) => {
    const flat = tf.reshape(x, [N, V]) as tf.Tensor2D;
    const flatIds = tf.reshape(targets, [N]);
    const logZ = logSumExpRows(flat); // [N, 1]
    // Flat index n·V + id picks the target logit of row n from the [N·V] view.
    const idx = tf.add(tf.mul(tf.range(0, N, 1, 'int32'), tf.scalar(V, 'int32')), flatIds);
    const picked = tf.gather(tf.reshape(flat, [N * V]), idx);
    const value = tf.reshape(tf.sub(picked, tf.reshape(logZ, [N])), lead);
    save([flat, logZ, flatIds]);
    return {
      value,
      gradFunc: (dy, saved) => {
        const [sx, sLogZ, sIds] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
        const p = tf.exp(tf.sub(sx, sLogZ)); // softmax, [N, V]
        // One-hot of the targets from a comparison: tf.oneHot(…, 'float32') on wasm 4.22 writes
        // int bits into the float buffer (1 reads as 1.4e-45).
        const hot = tf.cast(tf.equal(tf.reshape(sIds, [N, 1]), tf.range(0, V, 1, 'int32')), 'float32');
        const g = tf.mul(tf.sub(hot, p), tf.reshape(dy, [N, 1]));
        return tf.reshape(g, x.shape);
      },
    };
  });
  return op(logits);
}

/** Row-wise log Σ exp over the last axis of [N, V], shifted by the row max for stability → [N, 1]. */
export function logSumExpRows(x: tf.Tensor2D): tf.Tensor2D {
  // The max is a constant shift (it cancels), so no gradient needs to flow through it; a row that is
  // all -Infinity would make the shift NaN, so it is replaced by 0 there.
  const m = tf.max(x, 1, true);
  const safeM = tf.where(tf.isFinite(m), m, tf.zerosLike(m));
  const s = tf.sum(tf.exp(tf.sub(x, safeM)), 1, true);
  return tf.add(tf.log(s), safeM) as tf.Tensor2D;
}
