/** The objectives piece: each role's loss from the config (REINFORCE, or PPO-clip) and α_Ch. */
import { klK1, klK2, klK3, ppoClipLoss, reinforceLoss, sequenceMean, sequenceSum, tokenMean } from '@agon/objectives';
import type { TrainConfig } from '../config.js';
import type { RoleObjectives } from '../gradients.js';

/**
 * The losses `cfg.loss` names.
 *
 * @example
 * ```ts
 * const objectives = buildObjectives(parseTrainConfig({ loss: { beta: 0.05 } }).loss);
 * ```
 */
export function buildObjectives(loss: TrainConfig['loss']): RoleObjectives {
  const kl = { k1: klK1, k2: klK2, k3: klK3 }[loss.kl];
  const aggregation = { sequenceSum, sequenceMean, tokenMean }[loss.aggregation];
  const make = () =>
    loss.ppoClip !== undefined ? ppoClipLoss({ beta: loss.beta, kl, aggregation, epsLow: loss.ppoClip, epsHigh: loss.ppoClip }) : reinforceLoss({ beta: loss.beta, kl, aggregation });
  return { solver: make(), challenger: make(), alphaCh: loss.alphaCh };
}
