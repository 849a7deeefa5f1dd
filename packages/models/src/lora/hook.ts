/**
 * The one place where adapters meet the architectures: every linear projection of the Llama-family
 * decoder and of GPT-2 passes its output through {@link adaptLinear}, which adds the adapter term
 * when a hook is set for the current forward pass. Without a hook it returns the output untouched.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Given a projection's input x [N, in] and its module path (`model.layers.0.self_attn.q_proj`,
 * `transformer.h.0.attn.c_attn`), returns the term to add to its output [N, out], or undefined
 * when that module carries no adapter.
 *
 * @example
 * ```ts
 * const hook: AdapterHook = (x, module) => (module.endsWith('q_proj') ? tf.zeros([x.shape[0], 64]) : undefined);
 * ```
 */
export type AdapterHook = ((x: tf.Tensor2D, module: string) => tf.Tensor2D | undefined) & {
  /** The trainable variables of the adapters on modules whose path starts with `prefix` (for recomputation). */
  variables?: (prefix: string) => tf.Variable[];
  /** Counter behind the hook's random draws (dropout): read before a block, set back to replay it. */
  cursor?: { get(): number; set(n: number): void };
};

/**
 * y + hook(x, module) when a hook is set and adapts `module`; y itself otherwise.
 *
 * @example
 * ```ts
 * const y = adaptLinear(hook, 'model.layers.0.mlp.up_proj', x, tf.matMul(x, W, false, true));
 * ```
 */
export function adaptLinear(hook: AdapterHook | undefined, module: string, x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
  if (!hook) return y;
  const delta = hook(x, module);
  return delta ? tf.add(y, delta) : y;
}
