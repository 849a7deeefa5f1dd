import * as tf from '@tensorflow/tfjs-core';
import { stopGradient } from './no-grad.js';
import type { PolicyBatch } from '@agon/core';
import { maskedMean } from '@agon/tensor';
import type { KlEstimator } from './kl.js';

/** Checks the batch's shapes once, with a message naming the field. */
export function checkBatch(loss: string, batch: PolicyBatch, needs: { ref: boolean; old: boolean }): void {
  const [b, t] = batch.logprobs.shape;
  const same = (name: string, x: tf.Tensor | undefined, required: boolean) => {
    if (!x) {
      if (required) throw new Error(`${loss}: batch.${name} is missing; ${name === 'refLogprobs' ? 'it is needed when beta > 0' : 'it is needed for the probability ratio'}`);
      return;
    }
    if (x.shape.length !== 2 || x.shape[0] !== b || x.shape[1] !== t) {
      throw new Error(`${loss}: batch.${name} has shape [${x.shape}]; expected [${b}, ${t}] like batch.logprobs`);
    }
  };
  same('mask', batch.mask, true);
  same('refLogprobs', batch.refLogprobs, needs.ref);
  same('oldLogprobs', batch.oldLogprobs, needs.old);
  if (batch.advantages.shape.length !== 1 || batch.advantages.shape[0] !== b) {
    throw new Error(`${loss}: batch.advantages has shape [${batch.advantages.shape}]; expected [${b}]`);
  }
}

/**
 * The batch with every masked position of the log-prob tensors set to 0 (must run inside the
 * caller's tidy). Padding may hold −∞ or NaN; zeroing it BEFORE any arithmetic keeps NaN out of the
 * gradient too (a masked mean hides NaN in the forward value, but 0·NaN in the backward pass does
 * not vanish), and the gradient of `where` sends exactly 0 to padding.
 */
export function cleanPadding(batch: PolicyBatch, mask: tf.Tensor2D): PolicyBatch {
  const on = tf.notEqual(mask, 0);
  const clean = (x: tf.Tensor2D | undefined) => (x ? (tf.where(on, x, tf.zerosLike(x)) as tf.Tensor2D) : undefined);
  return { ...batch, logprobs: clean(batch.logprobs) as tf.Tensor2D, refLogprobs: clean(batch.refLogprobs), oldLogprobs: clean(batch.oldLogprobs) };
}

/**
 * Adds β·kl to a per-token loss when β > 0 and returns the masked token-mean KL for the metrics.
 * Must run inside the caller's tidy.
 */
export function withKl(perToken: tf.Tensor2D, batch: PolicyBatch, mask: tf.Tensor2D, beta: number, kl: KlEstimator): { perToken: tf.Tensor2D; klMean?: tf.Scalar } {
  if (!batch.refLogprobs) return { perToken };
  const k = kl(batch.logprobs, batch.refLogprobs) as tf.Tensor2D;
  const klMean = maskedMean(stopGradient(k), mask) as tf.Scalar;
  return { perToken: beta > 0 ? tf.add(perToken, tf.mul(beta, k)) : perToken, klMean };
}

/** Throws unless `x` is a finite number ≥ 0. */
export function checkNonNegative(loss: string, field: string, x: number): void {
  if (!Number.isFinite(x) || x < 0) throw new Error(`${loss}: option ${field} must be a finite number ≥ 0, got ${x}`);
}
