/**
 * A sampled sequence as the loss sees it: prompt ids, completion ids, the completion's log-probs at
 * sampling time and its advantage. Plus how a micro-batch of them becomes [B, T] tensors.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * One sequence of a role's batch.
 *
 * @example
 * ```ts
 * const s: Sequence = { prompt: [1, 5, 9], completion: [7, 2], oldLogprobs: [-0.3, -1.2], advantage: 0.5 };
 * ```
 */
export interface Sequence {
  prompt: readonly number[];
  completion: readonly number[];
  /** log π_old of each completion token (the sampler's model-distribution log-probs). */
  oldLogprobs: readonly number[];
  advantage: number;
}

/** The [B, T] tensors of a micro-batch (caller disposes). */
export interface SequenceTensors {
  /** (prompt + completion)[:-1], right-padded with `padId`. */
  inputs: tf.Tensor2D;
  /** (prompt + completion)[1:], right-padded; int32. */
  targets: tf.Tensor2D;
  /** 1 on completion tokens, 0 on prompt tokens and padding. */
  mask: tf.Tensor2D;
  oldLogprobs: tf.Tensor2D;
  advantages: tf.Tensor1D;
}

/**
 * Builds the tensors of `seqs`. Right padding needs no attention mask: a causal model never looks
 * at later positions, so the padding cannot change the logits of real tokens.
 *
 * @example
 * ```ts
 * const t = sequenceTensors([{ prompt: [1, 4], completion: [5, 2], oldLogprobs: [-1, -1], advantage: 1 }], 0);
 * // t.inputs [[1, 4, 5]], t.targets [[4, 5, 2]], t.mask [[0, 1, 1]]
 * ```
 */
export function sequenceTensors(seqs: readonly Sequence[], padId: number): SequenceTensors {
  if (seqs.length === 0) throw new Error('sequenceTensors: no sequences');
  const T = Math.max(...seqs.map((s) => s.prompt.length + s.completion.length - 1));
  const B = seqs.length;
  const inputs = new Int32Array(B * T).fill(padId);
  const targets = new Int32Array(B * T).fill(padId);
  const mask = new Float32Array(B * T);
  const old = new Float32Array(B * T);
  seqs.forEach((s, b) => {
    if (s.prompt.length === 0 || s.completion.length === 0) throw new Error(`sequenceTensors: sequence ${b} has an empty prompt or completion`);
    const full = [...s.prompt, ...s.completion];
    for (let t = 0; t < full.length - 1; t++) {
      inputs[b * T + t] = full[t];
      targets[b * T + t] = full[t + 1];
      const k = t + 1 - s.prompt.length; // index in the completion of the token predicted at t
      if (k >= 0) {
        mask[b * T + t] = 1;
        old[b * T + t] = s.oldLogprobs[k] ?? 0;
      }
    }
  });
  return {
    inputs: tf.tensor2d(inputs, [B, T], 'int32'),
    targets: tf.tensor2d(targets, [B, T], 'int32'),
    mask: tf.tensor2d(mask, [B, T]),
    oldLogprobs: tf.tensor2d(old, [B, T]),
    advantages: tf.tensor1d(seqs.map((s) => s.advantage)),
  };
}
