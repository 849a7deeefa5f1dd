/**
 * A sampled sequence as the loss sees it: prompt ids, completion ids, the completion's log-probs at
 * sampling time and its advantage. Plus how a micro-batch of them becomes [B, T] tensors.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM } from '@agon/core';
import { entropyFromLogits, tokenLogprobs } from '@agon/tensor';

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

/** The tensors of a micro-batch (caller disposes). */
export interface SequenceTensors {
  /** [B, T] (prompt + completion)[:-1], right-padded with `padId`. */
  inputs: tf.Tensor2D;
  /**
   * First position whose prediction is a completion token in some row: the loss only needs logits
   * from here on, so `targets`, `mask` and `oldLogprobs` are [B, T − offset] (a long shared prompt
   * costs no log-softmax).
   */
  offset: number;
  /** [B, T − offset] (prompt + completion)[1:] from `offset`, right-padded; int32. */
  targets: tf.Tensor2D;
  /** 1 on completion tokens, 0 on prompt tokens and padding. */
  mask: tf.Tensor2D;
  oldLogprobs: tf.Tensor2D;
  advantages: tf.Tensor1D;
}

/**
 * The loss window of `logits` [B, T, V]: positions from `offset` on, [B, T − offset, V].
 *
 * @example
 * ```ts
 * const window = lossWindow(model.forward(t.inputs).logits, t.offset); // [B, T − offset, V]
 * ```
 */
export function lossWindow(logits: tf.Tensor3D, offset: number): tf.Tensor3D {
  if (offset === 0) return logits;
  const [B, T, V] = logits.shape;
  return tf.slice(logits, [0, offset, 0], [B, T - offset, V]);
}

/**
 * log π(target) and the entropy of π at each position of the loss window of `t`, [B, T − offset]
 * each: through the model's chunked `tokenLogprobs` (no [B, T, V] logits) when it has one, else
 * from `forward`'s logits. With `{ entropy: false }` the log-probs only (no entropy work on GPU
 * backends, none at all on the logits path): for callers that do not use the entropy.
 *
 * @example
 * ```ts
 * const { logprobs, entropy } = sequenceLogprobs(model, sequenceTensors(seqs, padId));
 * const { logprobs: ref } = sequenceLogprobs(reference, t, { entropy: false });
 * ```
 */
export function sequenceLogprobs(model: CausalLM, t: SequenceWindow): { logprobs: tf.Tensor2D; entropy: tf.Tensor2D };
export function sequenceLogprobs(model: CausalLM, t: SequenceWindow, opts: { entropy: false }): { logprobs: tf.Tensor2D };
export function sequenceLogprobs(model: CausalLM, t: SequenceWindow, opts: { entropy?: boolean } = {}): { logprobs: tf.Tensor2D; entropy?: tf.Tensor2D } {
  const entropy = opts.entropy !== false;
  if (model.tokenLogprobs) return model.tokenLogprobs(t.inputs, t.targets, { offset: t.offset, entropy });
  return tf.tidy(() => {
    const logits = lossWindow(model.forward(t.inputs).logits, t.offset);
    const logprobs = tokenLogprobs(logits, t.targets) as tf.Tensor2D;
    return entropy ? { logprobs, entropy: entropyFromLogits(logits) as tf.Tensor2D } : { logprobs };
  });
}

/** The part of {@link SequenceTensors} that {@link sequenceLogprobs} reads. */
type SequenceWindow = Pick<SequenceTensors, 'inputs' | 'offset' | 'targets'>;

/**
 * Builds the tensors of `seqs`. Right padding needs no attention mask: a causal model never looks
 * at later positions, so the padding cannot change the logits of real tokens.
 *
 * @example
 * ```ts
 * const t = sequenceTensors([{ prompt: [1, 4], completion: [5, 2], oldLogprobs: [-1, -1], advantage: 1 }], 0);
 * // t.inputs [[1, 4, 5]], t.offset 1, t.targets [[5, 2]], t.mask [[1, 1]]
 * ```
 */
export function sequenceTensors(seqs: readonly Sequence[], padId: number): SequenceTensors {
  if (seqs.length === 0) throw new Error('sequenceTensors: no sequences');
  seqs.forEach((s, b) => {
    if (s.prompt.length === 0 || s.completion.length === 0) throw new Error(`sequenceTensors: sequence ${b} has an empty prompt or completion`);
  });
  const T = Math.max(...seqs.map((s) => s.prompt.length + s.completion.length - 1));
  const offset = Math.min(...seqs.map((s) => s.prompt.length - 1));
  const W = T - offset; // width of the loss window
  const B = seqs.length;
  const inputs = new Int32Array(B * T).fill(padId);
  const targets = new Int32Array(B * W).fill(padId);
  const mask = new Float32Array(B * W);
  const old = new Float32Array(B * W);
  seqs.forEach((s, b) => {
    const full = [...s.prompt, ...s.completion];
    for (let t = 0; t < full.length - 1; t++) {
      inputs[b * T + t] = full[t];
      if (t < offset) continue;
      const w = b * W + t - offset;
      targets[w] = full[t + 1];
      const k = t + 1 - s.prompt.length; // index in the completion of the token predicted at t
      if (k >= 0) {
        mask[w] = 1;
        old[w] = s.oldLogprobs[k] ?? 0;
      }
    }
  });
  return {
    inputs: tf.tensor2d(inputs, [B, T], 'int32'),
    offset,
    targets: tf.tensor2d(targets, [B, W], 'int32'),
    mask: tf.tensor2d(mask, [B, W]),
    oldLogprobs: tf.tensor2d(old, [B, W]),
    advantages: tf.tensor1d(seqs.map((s) => s.advantage)),
  };
}
