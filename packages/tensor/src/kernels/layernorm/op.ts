/**
 * `layerNorm(x, w, b, eps)`: (x − mean)/√(var + ε)·w + b over the last axis (GPT-2's LayerNorm).
 * On cpu and wasm one kernel with a hand-written gradient registered for it (it saves x, w and
 * each row's mean and reciprocal standard deviation); on wasm that kernel is C with 128-bit SIMD
 * (native/layernorm.c), on cpu a JS loop, on GPU backends the composed tfjs ops. Measured on wasm
 * (one thread, CPU ms a call, load ~2.3): at [2048, 768] forward 1.0 against the JS loop's 9–13
 * and the composed ops' 3.7–5.1; with the backward 2.4–3.6 against 27–34 and 99–126.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LAYERNORM_BACKENDS, LAYERNORM_GRAD_KERNEL, LAYERNORM_KERNEL, registerLayerNormKernels } from './kernels.js';

/** The gradient, registered with tfjs for the forward kernel: dy of y only. */
function registerLayerNormGradient(): void {
  if (tf.getGradient(LAYERNORM_KERNEL)) return;
  tf.registerGradient({
    kernelName: LAYERNORM_KERNEL,
    inputsToSave: ['x', 'w'],
    outputsToSave: [false, true, true],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [x, w, mean, rstd] = saved;
      const dyY = Array.isArray(dy) ? dy[0] : dy;
      const [dx, dw, db] = tf.engine().runKernel(LAYERNORM_GRAD_KERNEL, { dy: dyY, x, w, mean, rstd }, {}) as tf.Tensor[];
      return { x: () => dx, w: () => dw, b: () => db };
    },
  });
}

/**
 * LayerNorm of `x` [..., D] with weight `w` [D] and bias `b` [D]: (x − mean)/√(var + ε)·w + b,
 * the variance biased (over D), as GPT-2 and PyTorch compute it. Differentiable in all three.
 *
 * @throws naming the shapes when w or b is not [D] of x's last axis, or an input is not float32.
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { layerNorm } from '@agon/tensor';
 * const y = layerNorm(tf.tensor2d([[1, 3]]), tf.ones([2]), tf.zeros([2]), 1e-5); // ≈ [[-1, 1]]
 * ```
 */
export function layerNorm<T extends tf.Tensor>(x: T, w: tf.Tensor, b: tf.Tensor, eps: number): T {
  const D = x.shape[x.rank - 1];
  const fits = (t: tf.Tensor) => t.rank === 1 && t.shape[0] === D;
  if (x.rank < 1 || !fits(w) || !fits(b)) {
    throw new Error(`layerNorm: w and b must be [D] for x [..., D]; got x [${x.shape.join(', ')}], w [${w.shape.join(', ')}], b [${b.shape.join(', ')}]`);
  }
  if ([x, w, b].some((t) => t.dtype !== 'float32')) throw new Error(`layerNorm: x, w and b must be float32; got ${x.dtype}, ${w.dtype} and ${b.dtype}`);
  if (!(LAYERNORM_BACKENDS as readonly string[]).includes(tf.getBackend())) {
    return tf.tidy(() => {
      const centred = tf.sub(x, tf.mean(x, -1, true));
      const normed = tf.mul(centred, tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), eps)));
      return tf.add(tf.mul(normed, w), b);
    }) as T;
  }
  registerLayerNormKernels();
  registerLayerNormGradient();
  const [y, mean, rstd] = tf.engine().runKernel(LAYERNORM_KERNEL, { x, w, b }, { eps }) as tf.Tensor[];
  tf.dispose([mean, rstd]); // a gradient tape keeps its own references
  return y as T;
}
