/**
 * `rmsNorm(x, w, eps)`: x / √(mean(x²) + ε) · w over the last axis (Llama's RMSNorm). On cpu and
 * wasm one fused kernel with a hand-written gradient registered for it (it saves x, w and each
 * row's reciprocal RMS); on wasm that kernel is C with 128-bit SIMD (native/norm.c), on GPU
 * backends the composed tfjs ops. Measured on wasm (one thread, CPU µs a call): at [1, 1, 64] (a
 * decoding step) 6.6 against the composed ops' 31.9 (dispatch-bound); at [8, 256, 64] forward the
 * SIMD kernel takes ~45–135 against the earlier JS loop's ~370. One implementation at every size
 * keeps a cached decoding step equal to a full forward pass: mixing two by size moved logits by
 * 1.3e-5 relative.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerRmsNormKernels, RMSNORM_BACKENDS, RMSNORM_GRAD_KERNEL, RMSNORM_KERNEL } from './kernels.js';

/**
 * The gradient, registered with tfjs for the forward kernel (so a call outside a gradient tape
 * costs one kernel dispatch and nothing else): dy of y only, rstd is not differentiated.
 */
function registerRmsNormGradient(): void {
  if (tf.getGradient(RMSNORM_KERNEL)) return;
  tf.registerGradient({
    kernelName: RMSNORM_KERNEL,
    inputsToSave: ['x', 'w'],
    outputsToSave: [false, true],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [x, w, rstd] = saved;
      const dyY = Array.isArray(dy) ? dy[0] : dy;
      const [dx, dw] = tf.engine().runKernel(RMSNORM_GRAD_KERNEL, { dy: dyY, x, w, rstd }, {}) as tf.Tensor[];
      return { x: () => dx, w: () => dw };
    },
  });
}

/**
 * RMSNorm of `x` [..., D] with weight `w` [D]: x / √(mean(x²) + ε) · w. Differentiable in both.
 *
 * @throws naming the shapes when w is not [D] of x's last axis, or an input is not float32.
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { rmsNorm } from '@agon/tensor';
 * const y = rmsNorm(tf.tensor2d([[3, 4]]), tf.ones([2]), 1e-5); // ≈ [[0.849, 1.131]]
 * ```
 */
export function rmsNorm<T extends tf.Tensor>(x: T, w: tf.Tensor, eps: number): T {
  const D = x.shape[x.rank - 1];
  if (w.rank !== 1 || w.shape[0] !== D || x.rank < 1) {
    throw new Error(`rmsNorm: w must be [D] for x [..., D]; got x [${x.shape.join(', ')}], w [${w.shape.join(', ')}]`);
  }
  if (x.dtype !== 'float32' || w.dtype !== 'float32') throw new Error(`rmsNorm: x and w must be float32; got ${x.dtype} and ${w.dtype}`);
  if (!(RMSNORM_BACKENDS as readonly string[]).includes(tf.getBackend())) {
    return tf.tidy(() => tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps))), w)) as T;
  }
  registerRmsNormKernels();
  registerRmsNormGradient();
  const [y, rstd] = tf.engine().runKernel(RMSNORM_KERNEL, { x, w }, { eps }) as tf.Tensor[];
  rstd.dispose(); // a gradient tape keeps its own reference
  return y as T;
}
