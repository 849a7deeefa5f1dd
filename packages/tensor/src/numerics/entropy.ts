import * as tf from '@tensorflow/tfjs-core';
import { unaryCustomGrad } from './custom-grad.js';
import { logSumExpRows, MIN_LOGP } from '../kernels/token-logprobs/op.js';


/**
 * Shannon entropy (nats) of `softmax(logits)` over the last axis, computed stably from logits.
 *
 * `H = logZ − Σ p·x`; masked logits (`-Infinity`) contribute 0. The gradient is hand-written:
 * `∂H/∂x_i = −p_i (x_i − Σ_j p_j x_j)`, which needs only the saved logits and logZ.
 *
 * @param logits - float32, shape [..., V].
 * @returns float32, shape [...].
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { entropyFromLogits } from '@agon/tensor';
 * const h = entropyFromLogits(tf.tensor2d([[0, 0, 0, 0]])); // [ln 4] = [1.3863]
 * ```
 */
export function entropyFromLogits(logits: tf.Tensor): tf.Tensor {
  const V = logits.shape[logits.rank - 1];
  if (logits.rank < 1 || V === undefined) {
    throw new Error(`entropyFromLogits: logits must have shape [..., V], got [${logits.shape.join(', ')}]`);
  }
  const lead = logits.shape.slice(0, -1);
  const N = lead.reduce((a, b) => a * b, 1);
  const op = unaryCustomGrad((x, save) => {
    const flat = tf.reshape(x, [N, V]) as tf.Tensor2D;
    const logZ = logSumExpRows(flat);
    const logp = tf.maximum(tf.sub(flat, logZ), tf.scalar(MIN_LOGP));
    const p = tf.exp(logp);
    const value = tf.reshape(tf.neg(tf.sum(tf.mul(p, logp), 1)), lead);
    save([flat, logZ]);
    return {
      value,
      gradFunc: (dy, saved) => {
        const [sx, sLogZ] = saved as [tf.Tensor2D, tf.Tensor2D];
        const lp = tf.maximum(tf.sub(sx, sLogZ), tf.scalar(MIN_LOGP));
        const pp = tf.exp(lp);
        const h = tf.neg(tf.sum(tf.mul(pp, lp), 1, true)); // [N, 1]
        // x_i − E[x] = log p_i + H; written with log p so a -Infinity logit stays finite.
        const g = tf.mul(tf.neg(tf.mul(pp, tf.add(lp, h))), tf.reshape(dy, [N, 1]));
        return tf.reshape(g, x.shape);
      },
    };
  });
  return op(logits);
}
