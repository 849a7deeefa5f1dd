/**
 * `linear(x, W)` = x·Wᵀ (PyTorch's F.linear, weights stored [out, in] as in checkpoints), one
 * transposed matMul; its gradient is tfjs' matMul gradient (dx = dy·W, dW = dyᵀ·x). Every form
 * runs at full speed on the backends agon uses: on wasm agon's SIMD GEMM takes either side
 * transposed through the same packed kernel (tfjs-backend-wasm's own kernel ran transposed forms
 * 8–30× slower, which is why this used to materialise transposes), GPUs transpose for free, and
 * tfjs' plain-JS cpu backend runs every form at about the same speed.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * x [N, in] · W[out, in]ᵀ → [N, out], differentiable in both.
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
  return tf.matMul(x, w, false, true);
}
