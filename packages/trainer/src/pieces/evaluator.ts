/** The evaluation piece: held-out accuracy of the policy on a verifiable game's seeded set. */
import type { Game, Sampler } from '@agon/core';
import type { TrainConfig } from '../config.js';
import { evaluate, heldOutSet } from '../eval/evaluate.js';
import type { PromptFormat } from '../prompt.js';
import { isVerifiable } from './game.js';

/**
 * Held-out evaluation of the current policy: accuracy in [0, 1] over `n` queries.
 *
 * @example
 * ```ts
 * const ev: Evaluator = async () => ({ accuracy: 0.5, n: 64 });
 * ```
 */
export type Evaluator = () => Promise<{ accuracy: number; n: number }>;

/**
 * The evaluator `cfg.eval` asks for, or null (eval off, or a game without a verifier). It asks
 * through the policy's sampler, so it sees the weights of the moment it runs.
 *
 * @example
 * ```ts
 * const ev = buildEvaluator(cfg, game, policy.sampler, policy.format, loaded.eosIds);
 * ```
 */
export function buildEvaluator<Q>(cfg: TrainConfig, game: Game<Q>, sampler: Sampler, format: PromptFormat, stopIds: readonly number[]): Evaluator | null {
  if (!isVerifiable(game) || !cfg.eval) return null;
  const set = heldOutSet(game, { size: cfg.eval.size, seed: cfg.eval.seed });
  const maxNewTokens = cfg.eval.maxNewTokens ?? cfg.sampling.solverMaxNewTokens;
  return () => evaluate(sampler, format, game, set, { maxNewTokens, stopIds });
}
