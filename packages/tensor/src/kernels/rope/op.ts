/**
 * `rope(x, cos, sin, layout)`: rotary position embeddings, x·cos + partner(x)·sin over the last
 * axis, with the angles of each position shared by its heads. On cpu and wasm one fused kernel
 * whose gradient (registered for it) is the inverse rotation of dy; on GPU backends the composed
 * tfjs ops, the partner swap as a reshape and a reverse. Measured CPU time a call:
 * docs/benchmarks.md, "The speed pass, change by change".
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerRopeKernels, ROPE_BACKENDS, ROPE_GRAD_KERNEL, ROPE_KERNEL } from './kernels.js';
import type { RopeLayout } from './math.js';

/**
 * x with each dimension of its last axis moved to its RoPE partner's place (exact): a reverse of
 * rank 3, as webgpu's Reverse takes at most rank 4.
 */
function partner(x: tf.Tensor, layout: RopeLayout): tf.Tensor {
  return tf.tidy(() => {
    const D = x.shape[x.rank - 1];
    const pairs = layout === 'halves' ? [-1, 2, D / 2] : [-1, D / 2, 2];
    return tf.reshape(tf.reverse(tf.reshape(x, pairs), layout === 'halves' ? 1 : 2), x.shape);
  });
}

/** Σ over the heads axis (second to last), kept as a 1: the shape of cos and sin. */
function sumHeads(t: tf.Tensor): tf.Tensor {
  return tf.sum(t, t.rank - 2, true);
}

function registerRopeGradient(): void {
  if (tf.getGradient(ROPE_KERNEL)) return;
  tf.registerGradient({
    kernelName: ROPE_KERNEL,
    inputsToSave: ['x', 'cos', 'sin'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs?: tf.NamedAttrMap) => {
      const [x, cos, sin] = saved;
      const g = Array.isArray(dy) ? dy[0] : dy;
      const { layout } = attrs as { layout: RopeLayout };
      return {
        x: () => tf.engine().runKernel(ROPE_GRAD_KERNEL, { dy: g, cos, sin }, { layout }) as tf.Tensor,
        cos: () => sumHeads(tf.mul(g, x)),
        sin: () => sumHeads(tf.mul(g, partner(x, layout))),
      };
    },
  });
}

/**
 * Rotates `x` [..., H, D] by the angles of its positions: y = x·cos + partner(x)·sin over the last
 * axis, where `cos` and `sin` are [..., 1, D] (the leading dimensions of x, shared by its H heads)
 * and `sin` carries the layout's sign: −sin θ on the first member of each pair, +sin θ on the
 * second. `layout`: pairs (i, i + D/2), Hugging Face's rotate_half, or (2i, 2i + 1), llama2.c's.
 * Differentiable in all three inputs.
 *
 * @throws naming the shapes when cos/sin do not fit x or D is odd, or an input is not float32.
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { rope } from '@agon/tensor';
 * // one position, one head, D = 2, angle π/2: (1, 0) → (0, 1)
 * const y = rope(tf.tensor3d([[[1, 0]]]), tf.tensor3d([[[0, 0]]]), tf.tensor3d([[[-1, 1]]]), 'halves');
 * ```
 */
export function rope<T extends tf.Tensor>(x: T, cos: tf.Tensor, sin: tf.Tensor, layout: RopeLayout): T {
  const D = x.shape[x.rank - 1];
  const want = [...x.shape.slice(0, -2), 1, D];
  if (x.rank < 2 || D % 2 !== 0 || !tf.util.arraysEqual(cos.shape, want) || !tf.util.arraysEqual(sin.shape, want)) {
    throw new Error(
      `rope: x must be [..., H, D] with D even and cos, sin [..., 1, D] of the same leading dimensions; got x [${x.shape.join(', ')}], cos [${cos.shape.join(', ')}], sin [${sin.shape.join(', ')}]`,
    );
  }
  if (layout !== 'halves' && layout !== 'interleaved') throw new Error(`rope: layout must be 'halves' or 'interleaved'; got '${String(layout)}'`);
  if ([x, cos, sin].some((t) => t.dtype !== 'float32')) throw new Error(`rope: x, cos and sin must be float32; got ${x.dtype}, ${cos.dtype} and ${sin.dtype}`);
  if (!(ROPE_BACKENDS as readonly string[]).includes(tf.getBackend())) {
    return tf.tidy(() => tf.add(tf.mul(x, cos), tf.mul(partner(x, layout), sin))) as T;
  }
  registerRopeKernels();
  registerRopeGradient();
  return tf.engine().runKernel(ROPE_KERNEL, { x, cos, sin }, { layout }) as T;
}
