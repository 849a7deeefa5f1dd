/**
 * `swiGlu(gate, up)`: silu(gate)·up, the elementwise part of a SwiGLU MLP (Llama's
 * down(silu(gate(x))·up(x))). On cpu and wasm one fused kernel with its gradient registered for
 * it (it saves gate and up; σ is recomputed in the backward pass); on GPU backends the composed
 * tfjs ops. Measured CPU time a call: docs/benchmarks.md, "The speed pass, change by change".
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerSwiGluKernels, SWIGLU_BACKENDS, SWIGLU_GRAD_KERNEL, SWIGLU_KERNEL } from './kernels.js';

function registerSwiGluGradient(): void {
  if (tf.getGradient(SWIGLU_KERNEL)) return;
  tf.registerGradient({
    kernelName: SWIGLU_KERNEL,
    inputsToSave: ['gate', 'up'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [gate, up] = saved;
      const [dg, du] = tf.engine().runKernel(SWIGLU_GRAD_KERNEL, { dy: Array.isArray(dy) ? dy[0] : dy, gate, up }, {}) as tf.Tensor[];
      return { gate: () => dg, up: () => du };
    },
  });
}

/**
 * silu(gate)·up = gate·σ(gate)·up, elementwise; differentiable in both.
 *
 * @throws naming the shapes when gate and up differ, or an input is not float32.
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { swiGlu } from '@agon/tensor';
 * const y = swiGlu(tf.tensor1d([0, 1]), tf.tensor1d([2, 3])); // ≈ [0, 2.193]
 * ```
 */
export function swiGlu<T extends tf.Tensor>(gate: T, up: T): T {
  if (!tf.util.arraysEqual(gate.shape, up.shape)) {
    throw new Error(`swiGlu: gate and up must have the same shape; got gate [${gate.shape.join(', ')}], up [${up.shape.join(', ')}]`);
  }
  if (gate.dtype !== 'float32' || up.dtype !== 'float32') throw new Error(`swiGlu: gate and up must be float32; got ${gate.dtype} and ${up.dtype}`);
  if (!(SWIGLU_BACKENDS as readonly string[]).includes(tf.getBackend())) {
    return tf.tidy(() => tf.mul(tf.mul(gate, tf.sigmoid(gate)), up)) as T;
  }
  registerSwiGluKernels();
  registerSwiGluGradient();
  return tf.engine().runKernel(SWIGLU_KERNEL, { gate, up }, {}) as T;
}
