/**
 * One AdamW step of one variable (decoupled weight decay, bias-corrected moments): one kernel on
 * cpu and wasm (`AgonAdamW`), the composed tfjs ops elsewhere — the same float32 operations in
 * the same order, so every backend's update is what the composed form gives.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ADAMW_BACKENDS, ADAMW_KERNEL, registerAdamWKernels, type AdamWCoefficients } from './kernels.js';

/**
 * The hyper-parameters of one {@link adamwStep}.
 *
 * @example
 * ```ts
 * const h: AdamWStepOptions = { lr: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, step: 1 };
 * ```
 */
export interface AdamWStepOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** The update's number, from 1 (for the bias corrections 1 − βᵗ). */
  step: number;
}

/**
 * x' = x − lr·wd·x − lr·(m'/(1−β1ᵗ)) / (√(v'/(1−β2ᵗ)) + ε) with m' = β1·m + (1−β1)·g and
 * v' = β2·v + (1−β2)·g². Returns the new weights and moments (the caller assigns and disposes).
 *
 * @throws naming the shapes when x, g, m and v differ.
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { adamwStep } from '@agon/tensor';
 * const x = tf.ones([2]), g = tf.tensor1d([0.5, -1]), m = tf.zeros([2]), v = tf.zeros([2]);
 * const next = adamwStep(x, g, m, v, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step: 1 });
 * // next.x ≈ [0.9, 1.1]: the first step moves each weight by lr·sign(g)
 * ```
 */
export function adamwStep(
  x: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: AdamWStepOptions,
): { x: tf.Tensor; m: tf.Tensor; v: tf.Tensor } {
  for (const [name, t] of [['g', g], ['m', m], ['v', v]] as const) {
    if (t.shape.length !== x.shape.length || t.shape.some((d, i) => d !== x.shape[i])) {
      throw new Error(`adamwStep: ${name} has shape [${t.shape.join(', ')}]; expected the weights' [${x.shape.join(', ')}]`);
    }
  }
  const c1 = 1 - o.beta1 ** o.step;
  const c2 = 1 - o.beta2 ** o.step;
  if ((ADAMW_BACKENDS as readonly string[]).includes(tf.getBackend()) && [x, g, m, v].every((t) => t.dtype === 'float32')) {
    registerAdamWKernels();
    const f = Math.fround;
    const attrs: AdamWCoefficients = {
      b1: f(o.beta1), nb1: f(1 - o.beta1), b2: f(o.beta2), nb2: f(1 - o.beta2), c1: f(c1), c2: f(c2),
      eps: f(o.eps), lrwd: f(o.lr * o.weightDecay), lr: f(o.lr), decay: o.weightDecay > 0 ? 1 : 0,
    };
    const [nx, nm, nv] = tf.engine().runKernel(ADAMW_KERNEL, { x, g, m, v }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    return { x: nx, m: nm, v: nv };
  }
  return tf.tidy(() => {
    const m1 = tf.add(tf.mul(o.beta1, m), tf.mul(1 - o.beta1, g));
    const v1 = tf.add(tf.mul(o.beta2, v), tf.mul(1 - o.beta2, tf.square(g)));
    const step = tf.div(tf.div(m1, c1), tf.add(tf.sqrt(tf.div(v1, c2)), o.eps));
    const decayed = o.weightDecay > 0 ? tf.sub(x, tf.mul(o.lr * o.weightDecay, x)) : x;
    return { x: tf.sub(decayed, tf.mul(o.lr, step)), m: m1, v: v1 };
  });
}
