/**
 * `linear(x, W)` = x·Wᵀ (PyTorch's F.linear, weights stored [out, in] as in checkpoints) with a
 * gradient made only of plain (untransposed) matMuls on the CPU-side backends. tfjs-backend-wasm
 * 4.22 sends matMul to XNNPACK only when neither side is transposed: measured here, [2048, 64] ×
 * [64, 172] runs at 15 GFLOP/s plain, 1.9 with transposeB and 0.8 with transposeA — and tfjs'
 * own matMul gradient uses exactly those two slow forms (dx = dy·W is fine, dW = dyᵀ·x is not).
 * So the transposes are materialised (memory-bound, cheap) and every product is plain.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Backends where the explicit-transpose form is used: only wasm. GPU backends transpose for free,
 * and tfjs' plain-JS cpu backend runs every form at about the same speed (1.0 vs 1.1 GFLOP/s), so
 * there the extra transposes only cost (stories260K training on cpu: 103 → 50 tokens/s).
 */
const EXPLICIT = new Set(['wasm']);

/** Whether the active backend runs transposed matMuls slowly, so transposes are materialised (wasm). */
export function explicitTransposes(): boolean {
  return EXPLICIT.has(tf.getBackend());
}

/**
 * Rows at or above which the forward pass transposes W first: for a few rows (decoding) one
 * slow transposed product is cheaper than copying W. Measured on wasm for W [32000, 288]:
 * transposed product 81 ms at 8 rows, 219 at 32; transpose + plain product 106 and 101 ms.
 */
export const TRANSPOSE_ROWS = 16;

function forward(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return x.shape[0] >= TRANSPOSE_ROWS ? tf.matMul(x, tf.transpose(w)) : tf.matMul(x, w, false, true);
}

const fast = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, save: (t: tf.Tensor[]) => void) => {
  save([x, w]);
  return {
    value: forward(x, w),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as tf.Tensor2D[];
      return [tf.matMul(dy, ws), tf.matMul(tf.transpose(dy), xs)]; // dx [N, in], dW [out, in]
    },
  };
}) as never) as unknown as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

/**
 * x [N, in] · W[out, in]ᵀ → [N, out], differentiable in both. On wasm every product in the
 * forward and backward pass is an untransposed matMul (its fast XNNPACK path).
 *
 * @throws naming the shapes when they do not fit.
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { linear } from '@agon/tensor';
 * const y = linear(tf.ones([2, 3]), tf.ones([4, 3])); // [2, 4], every entry 3
 * ```
 */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  if (x.rank !== 2 || w.rank !== 2 || x.shape[1] !== w.shape[1]) {
    throw new Error(`linear: x must be [N, in] and W [out, in] with the same 'in'; got x [${x.shape.join(', ')}], W [${w.shape.join(', ')}]`);
  }
  if (!explicitTransposes()) return tf.matMul(x, w, false, true);
  return fast(x, w);
}
