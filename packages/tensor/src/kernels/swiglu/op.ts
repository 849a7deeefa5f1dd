/**
 * `swiGlu(gate, up)`: silu(gate)·up, the elementwise part of a SwiGLU MLP (Llama's
 * down(silu(gate(x))·up(x))). On cpu and wasm one fused kernel with its gradient registered for
 * it (it saves gate and up; σ is recomputed in the backward pass); on GPU backends the composed
 * tfjs ops. Measured CPU time a call: docs/benchmarks.md, "The speed pass, change by change".
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  registerSwiGluKernels,
  SWIGLU_BACKENDS,
  SWIGLU_GRAD_KERNEL,
  SWIGLU_KERNEL,
  SWIGLU_PACKED_GRAD_KERNEL,
  SWIGLU_PACKED_KERNEL,
} from './kernels.js';

function registerSwiGluGradient(): void {
  if (!tf.getGradient(SWIGLU_PACKED_KERNEL)) {
    tf.registerGradient({
      kernelName: SWIGLU_PACKED_KERNEL,
      inputsToSave: ['gu'],
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const dgu = tf.engine().runKernel(SWIGLU_PACKED_GRAD_KERNEL, { dy: Array.isArray(dy) ? dy[0] : dy, gu: saved[0] }, {}) as tf.Tensor;
        return { gu: () => dgu };
      },
    });
  }
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

/**
 * silu(gate)·up with gate and up side by side on the last axis: `gateUp` [..., 2F] holds F gate
 * values then F up values (what one product x·[W_gate; W_up]ᵀ gives), the result is [..., F].
 * Same values as `swiGlu` of the two halves; differentiable in `gateUp`. One kernel each way on
 * cpu and wasm (no slice, no concat); composed tfjs ops on GPU backends.
 *
 * @throws naming the shape when the last axis is not even, or the input is not float32.
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { swiGluPacked } from '@agon/tensor';
 * const y = swiGluPacked(tf.tensor2d([[0, 1, 2, 3]])); // [[0, 2.193]] (gate [0, 1], up [2, 3])
 * ```
 */
export function swiGluPacked<T extends tf.Tensor>(gateUp: T): T {
  const last = gateUp.shape[gateUp.shape.length - 1];
  if (gateUp.rank === 0 || last % 2 !== 0) {
    throw new Error(`swiGluPacked: the last axis must hold gate and up side by side (an even length); got [${gateUp.shape.join(', ')}]`);
  }
  if (gateUp.dtype !== 'float32') throw new Error(`swiGluPacked: gateUp must be float32; got ${gateUp.dtype}`);
  if (!(SWIGLU_BACKENDS as readonly string[]).includes(tf.getBackend())) {
    return tf.tidy(() => {
      const [gate, up] = tf.split(gateUp, 2, -1);
      return tf.mul(tf.mul(gate, tf.sigmoid(gate)), up);
    }) as T;
  }
  registerSwiGluKernels();
  registerSwiGluGradient();
  return tf.engine().runKernel(SWIGLU_PACKED_KERNEL, { gu: gateUp }, {}) as T;
}
