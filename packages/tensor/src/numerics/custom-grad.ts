import * as tf from '@tensorflow/tfjs-core';

/** Forward pass of a one-input custom-gradient op: returns the value and its gradient function. */
export type UnaryGradFn = (
  x: tf.Tensor,
  save: tf.GradSaveFunc,
) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor };

/** `tf.customGrad` typed for one input (tfjs types its arguments as a Tensor | save union). */
export function unaryCustomGrad(fn: UnaryGradFn): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad(fn as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;
}
