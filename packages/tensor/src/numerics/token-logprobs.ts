import * as tf from '@tensorflow/tfjs-core';
import { unaryCustomGrad } from './custom-grad.js';
import { logitsGrad, logprobsEntropyLse } from '../kernels/token-logprobs/op.js';

/**
 * Log-probability of each target token under `softmax(logits)`, without building a one-hot over V.
 *
 * Forward: `logits[..., target] - logsumexp(logits)`, one fused kernel on cpu and wasm (composed
 * ops with a flat `gather` elsewhere), so memory stays at the size of the logits. The gradient is
 * hand-written (`dy · (onehot(target) − softmax(logits))`) because autodiff through `gather` would
 * need the `UnsortedSegmentSum` kernel and a second softmax; the backward pass builds one dense
 * [..., V] tensor, which is the size of the gradient anyway.
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
    const flatIds = tf.reshape(targets, [N]) as tf.Tensor1D;
    // No entropy: neither computed (composed ops on GPU backends) nor differentiated.
    const [lp, , logZ] = logprobsEntropyLse(flat, flatIds, { entropy: false });
    save([flat, flatIds, logZ]);
    return {
      value: tf.reshape(lp, lead),
      gradFunc: (dy, saved) => {
        const [sx, sIds, sLogZ] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
        const dLp = tf.reshape(dy, [N]) as tf.Tensor1D;
        return tf.reshape(logitsGrad(sx, sIds, sLogZ, undefined, dLp, undefined), x.shape);
      },
    };
  });
  return op(logits);
}
