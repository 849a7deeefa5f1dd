/**
 * A self-reward a tiny model can give: R_Q(q, a) = the REFERENCE model's mean per-token log-prob of
 * the answer after the Solver prompt — how natural the initial model finds the answer. It needs no
 * judge prompt, so it works where the 7-point judge prompt does not fit the context (or the model
 * cannot follow it).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Game, RewardFn } from '@agon/core';
import { solverPromptIds, type PromptFormat } from './prompt.js';
import type { Reference } from './reference.js';
import { sequenceLogprobs, sequenceTensors, type Sequence } from './sequences.js';

/**
 * What {@link referenceLikelihoodReward} needs: the reference, the policy's prompt format and the game.
 *
 * @example
 * ```ts
 * const opts: ReferenceLikelihoodOptions<string> = { reference, format: promptFormat(loaded), game, microBatchSize: 8 };
 * ```
 */
export interface ReferenceLikelihoodOptions<Q> {
  reference: Reference;
  format: PromptFormat;
  game: Game<Q>;
  microBatchSize: number;
}

/**
 * R_Q(q, a) = mean over the answer's tokens of log π_Ref(token | Solver prompt of q, earlier answer
 * tokens). An empty answer is scored as the log-prob of ending at once (EOS).
 *
 * @example
 * ```ts
 * const quality = referenceLikelihoodReward({ reference, format: promptFormat(loaded), game, microBatchSize: 8 });
 * const rq = await quality([{ query: q, answer: '42', queryIndex: 0, answerIndex: 0 }]); // e.g. [-0.7]
 * ```
 */
export function referenceLikelihoodReward<Q>(o: ReferenceLikelihoodOptions<Q>): RewardFn<Q> {
  return async (batch) => {
    const seqs: Sequence[] = batch.map((x) => {
      const prompt = solverPromptIds(o.format, o.game, x.query);
      const answer = o.format.tokenizer.encode(x.answer, { bos: false });
      const completion = answer.length ? answer : [o.format.tokenizer.eosId];
      return { prompt, completion, oldLogprobs: [], advantage: 0 };
    });
    const out: number[] = [];
    for (let start = 0; start < seqs.length; start += o.microBatchSize) {
      const chunk = seqs.slice(start, start + o.microBatchSize);
      const t = sequenceTensors(chunk, o.format.tokenizer.eosId);
      try {
        const means = await o.reference.run((m) =>
          tf.tidy(() => {
            const lp = sequenceLogprobs(m, t, { entropy: false }).logprobs;
            return tf.div(tf.sum(tf.mul(lp, t.mask), 1), tf.sum(t.mask, 1));
          }),
        );
        out.push(...Array.from(await means.data()));
        means.dispose();
      } finally {
        tf.dispose([t.inputs, t.targets, t.mask, t.oldLogprobs, t.advantages]);
      }
    }
    return out;
  };
}
