/**
 * `gelu(x, form)`: GPT-2's MLP activation. On cpu and wasm one fused kernel with its gradient
 * registered for it (it saves x); on GPU backends the composed tfjs ops. Measured CPU time a
 * call: docs/benchmarks.md, "Fused SwiGLU, RoPE and GELU".
 */
import * as tf from '@tensorflow/tfjs-core';
import { GELU_BACKENDS, GELU_GRAD_KERNEL, GELU_KERNEL, registerGeluKernels } from './kernels.js';
import type { GeluForm } from './math.js';

function registerGeluGradient(): void {
  if (tf.getGradient(GELU_KERNEL)) return;
  tf.registerGradient({
    kernelName: GELU_KERNEL,
    inputsToSave: ['x'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs?: tf.NamedAttrMap) => {
      const [x] = saved;
      const { form } = attrs as { form: GeluForm };
      return { x: () => tf.engine().runKernel(GELU_GRAD_KERNEL, { dy: Array.isArray(dy) ? dy[0] : dy, x }, { form }) as tf.Tensor };
    },
  });
}

/** The composed form, for backends without the kernel. */
function composed(x: tf.Tensor, form: GeluForm): tf.Tensor {
  return tf.tidy(() => {
    if (form === 'exact') return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
    // ½x(1 + tanh u) = x·σ(2u): the same function, and σ saturates to 0 and 1 where some GPU
    // backends' tanh (gpu.js: a ratio of exponentials) overflows to NaN for large |u|.
    const twoU = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), 2 * Math.sqrt(2 / Math.PI));
    return tf.mul(x, tf.sigmoid(twoU));
  });
}

/**
 * GELU of `x`, elementwise: `form` 'tanh' is ½x(1 + tanh(√(2/π)(x + 0.044715x³))) (GPT-2's
 * gelu_new, PyTorch's approximate='tanh'), 'exact' is x·Φ(x) = ½x(1 + erf(x/√2)). Differentiable.
 *
 * @throws when x is not float32 or the form is unknown.
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { gelu } from '@agon/tensor';
 * const y = gelu(tf.tensor1d([-1, 0, 1]), 'tanh'); // ≈ [-0.1588, 0, 0.8412]
 * ```
 */
export function gelu<T extends tf.Tensor>(x: T, form: GeluForm): T {
  if (form !== 'tanh' && form !== 'exact') throw new Error(`gelu: form must be 'tanh' or 'exact'; got '${String(form)}'`);
  if (x.dtype !== 'float32') throw new Error(`gelu: x must be float32; got ${x.dtype}`);
  if (!(GELU_BACKENDS as readonly string[]).includes(tf.getBackend())) return composed(x, form) as T;
  registerGeluKernels();
  registerGeluGradient();
  return tf.engine().runKernel(GELU_KERNEL, { x }, { form }) as T;
}
