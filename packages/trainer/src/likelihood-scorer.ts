/**
 * A causal language model used as a reward model: the score of (query, answer) is the mean
 * per-token log-probability the model gives the answer after the query (its chat template when it
 * has one). Higher means "more like what this model would say". It stands in for a
 * sequence-classification reward model, which @agon/models does not load yet.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Scorer } from '@agon/core';
import type { LoadedModel } from '@agon/models';
import { sequenceLogprobs } from './sequences.js';

/**
 * A {@link Scorer} from a loaded causal LM.
 *
 * @example
 * ```ts
 * const rm = likelihoodScorer(await loadModel('models/reward-lm'));
 * const [s] = await rm.score([{ query: 'Name a prime.', answer: '7' }]);
 * ```
 */
export function likelihoodScorer(rm: LoadedModel, opts: { maxTokens?: number } = {}): Scorer {
  const maxTokens = Math.min(opts.maxTokens ?? 512, rm.model.config.maxPositions);
  return {
    async score(pairs) {
      const out: number[] = [];
      for (const p of pairs) {
        const prompt = rm.chat
          ? rm.tokenizer.encode(rm.chat.render([{ role: 'user', content: p.query }], { addGenerationPrompt: true }), { bos: false })
          : rm.tokenizer.encode(`${p.query}\n`, { bos: true });
        let answer = rm.tokenizer.encode(p.answer, { bos: false });
        if (answer.length === 0) answer = [rm.tokenizer.eosId]; // an empty answer is scored as ending at once
        // Keep the answer and as much of the end of the prompt as fits.
        const ids = [...prompt, ...answer].slice(-maxTokens);
        const n = Math.min(answer.length, ids.length - 1);
        const lp = tf.tidy(() => {
          // Only the answer's n positions are scored (offset = first of them).
          const inputs = tf.tensor2d([ids.slice(0, -1)], [1, ids.length - 1], 'int32');
          const targets = tf.tensor2d([ids.slice(-n)], [1, n], 'int32');
          return tf.mean(sequenceLogprobs(rm.model, { inputs, offset: ids.length - 1 - n, targets }).logprobs);
        });
        out.push((await lp.data())[0]);
        lp.dispose();
      }
      return out;
    },
  };
}
