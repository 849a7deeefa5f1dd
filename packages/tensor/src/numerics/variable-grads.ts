import * as tf from '@tensorflow/tfjs-core';

/** The part of the tfjs engine that holds the gradient tape (not in its public types). */
interface TapeEngine {
  state: { activeTape: { saved?: tf.Tensor[] }[] | null; gradientDepth: number };
}

/**
 * `tf.variableGrads` that leaves no tensor behind when `f` or the backward pass throws. tfjs keeps
 * what the forward pass saves for the backward pass on its tape until the backward pass ends, and
 * the loss value in the caller's scope; an exception in between (an allocation failure, a kernel
 * error, a custom gradient that throws) left both alive for good. On success it is
 * `tf.variableGrads` itself.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { variableGrads } from '@agon/tensor';
 * const w = tf.variable(tf.tensor1d([1, 2]));
 * const { value, grads } = variableGrads(() => tf.sum(tf.square(w)), [w]); // grads[w.name]: [2, 4]
 * ```
 */
export function variableGrads(f: () => tf.Scalar, vars?: tf.Variable[]): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  const engine = tf.engine() as unknown as TapeEngine;
  // Inside another gradient computation the tape belongs to the outer one, which cleans it up.
  const nested = engine.state.gradientDepth > 0;
  try {
    return tf.tidy(() => tf.variableGrads(f, vars));
  } catch (e) {
    if (!nested) {
      for (const node of engine.state.activeTape ?? []) for (const t of node.saved ?? []) t.dispose();
      engine.state.activeTape = null;
    }
    throw e;
  }
}
