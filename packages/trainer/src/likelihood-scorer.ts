/**
 * A causal language model used as a reward model: the score of (query, answer) is the mean
 * per-token log-probability the model gives the answer after the query, asked as one user turn
 * (rendered as every prompt is, see `promptIds`). Higher means "more like what this model would
 * say". For a `*ForSequenceClassification` checkpoint (a reward-model head) use `loadRewardModel`
 * of @agon/models instead; a recipe's `model` reward picks between the two by the checkpoint.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Scorer } from '@agon/core';
import type { LoadedModel } from '@agon/models';
import { promptFormat, promptIds } from './prompt.js';
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
  const format = promptFormat(rm);
  return {
    async score(pairs) {
      const out: number[] = [];
      for (const p of pairs) {
        const prompt = promptIds(format, [{ role: 'user', content: p.query }]);
        let answer = rm.tokenizer.encode(p.answer, { bos: false });
        if (answer.length === 0) answer = [rm.tokenizer.eosId]; // an empty answer is scored as ending at once
        // Keep the answer and as much of the end of the prompt as fits.
        const ids = [...prompt, ...answer].slice(-maxTokens);
        const n = Math.min(answer.length, ids.length - 1);
        const lp = tf.tidy(() => {
          // Only the answer's n positions are scored (offset = first of them).
          const inputs = tf.tensor2d([ids.slice(0, -1)], [1, ids.length - 1], 'int32');
          const targets = tf.tensor2d([ids.slice(-n)], [1, n], 'int32');
          return tf.mean(sequenceLogprobs(rm.model, { inputs, offset: ids.length - 1 - n, targets }, { entropy: false }).logprobs);
        });
        out.push((await lp.data())[0]);
        lp.dispose();
      }
      return out;
    },
  };
}
