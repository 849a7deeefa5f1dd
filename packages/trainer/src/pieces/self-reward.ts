/** The self-reward piece: LSP's R_Q from the reference model (a judge prompt, or its likelihood). */
import type { Game, RewardFn, Sampler } from '@agon/core';
import { judgeMessages, parseJudgeScore } from '@agon/game';
import { generate } from '@agon/models';
import { selfJudgeReward } from '@agon/objectives';
import type { TrainConfig } from '../config.js';
import type { PromptFormat } from '../prompt.js';
import { referenceLikelihoodReward } from '../reference-likelihood.js';
import type { Reference } from '../reference.js';
import { queryText } from './game.js';

/**
 * R_Q and its weight from `cfg.selfReward`, or null (LSP-Zero) when the config has none.
 *
 * @example
 * ```ts
 * const quality = buildSelfReward(cfg, { reference, format: policy.format, game, stopIds: loaded.eosIds });
 * ```
 */
export function buildSelfReward<Q>(
  cfg: TrainConfig,
  o: { reference: Reference | null; format: PromptFormat; game: Game<Q>; stopIds: readonly number[] },
): { fn: RewardFn<Q>; weight: number } | null {
  const self = cfg.selfReward;
  if (!self) return null;
  const reference = o.reference;
  if (!reference) throw new Error('internal: the self-reward needs a reference model');
  if (self.judge === 'likelihood') {
    return { fn: referenceLikelihoodReward<Q>({ reference, format: o.format, game: o.game, microBatchSize: cfg.microBatchSize }), weight: self.weight };
  }
  const { tokenizer } = o.format;
  const sampler: Sampler = { generate: (prompts, opts) => reference.run((m) => generate(m, tokenizer, prompts, { ...opts, microBatchSize: cfg.microBatchSize })) };
  const fn = selfJudgeReward<Q>({
    sampler,
    chatFormat: o.format.chat,
    tokenizer,
    prompt: judgeMessages,
    parse: parseJudgeScore,
    bos: o.format.bos,
    sampling: { maxNewTokens: self.maxNewTokens, temperature: 0, stopIds: o.stopIds },
    queryText: (q) => queryText(o.game, q),
  });
  return { fn, weight: self.weight };
}
