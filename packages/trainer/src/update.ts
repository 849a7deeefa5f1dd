/**
 * The policy update of one training step: the step's rollouts are passed over `epochs` times, each
 * pass split into `miniBatches` optimizer updates (PPO's epochs and mini-batches). Every update sums
 * the gradient of its slice of each rollout (averaged over rollouts), clips the global norm and
 * applies AdamW, unless the loss or the gradient is not finite (then that update is skipped).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AdamW } from './adamw.js';
import { accumulateGradients, zeroFill, type GradientContext } from './gradients.js';
import { clipByGlobalNorm, globalNorm } from './grad-norm.js';
import type { Sequence } from './sequences.js';

/** Both roles' sequences of one rollout. */
export interface RoleBatches {
  solver: readonly Sequence[];
  challenger: readonly Sequence[];
}

/**
 * How one step updates the policy.
 *
 * @example
 * ```ts
 * const plan: UpdatePlan = { epochs: 2, miniBatches: 2, lr: 1e-4, clipNorm: 1 };
 * ```
 */
export interface UpdatePlan {
  /** Passes over the rollouts. */
  epochs: number;
  /** Optimizer updates per pass. */
  miniBatches: number;
  /** Learning rate of every update of the step. */
  lr: number;
  /** Global-norm clip; 0 = off. */
  clipNorm: number;
}

/**
 * What one optimizer update did: its gradient metrics (see `accumulateGradients`), the gradient's
 * global norm before clipping, and whether it was skipped as non-finite.
 */
export interface UpdateResult {
  metrics: Record<string, number>;
  gradNorm: number;
  skipped: boolean;
  /** Which of loss or gradient was not finite, when skipped. */
  reason?: 'loss' | 'gradient';
}

/**
 * Slice `part` of `parts` of a list: contiguous, sizes differing by at most one.
 *
 * @example
 * ```ts
 * slicePart([1, 2, 3, 4, 5], 1, 2); // [3, 4, 5]
 * ```
 */
export function slicePart<T>(xs: readonly T[], part: number, parts: number): T[] {
  return xs.slice(Math.floor((part * xs.length) / parts), Math.floor(((part + 1) * xs.length) / parts));
}

/**
 * Runs the step's updates in order and returns one result per update (a slice with no sequences
 * gives a zero gradient, which AdamW still applies: its moments decay).
 *
 * @example
 * ```ts
 * const results = await updatePolicy(gradients, optimizer, [rollout], { epochs: 1, miniBatches: 1, lr: 1e-4, clipNorm: 1 });
 * ```
 */
export async function updatePolicy(ctx: GradientContext, optimizer: AdamW, rollouts: readonly RoleBatches[], plan: UpdatePlan): Promise<UpdateResult[]> {
  const vars = ctx.model.trainableVariables();
  const results: UpdateResult[] = [];
  for (let epoch = 0; epoch < plan.epochs; epoch++) {
    for (let part = 0; part < plan.miniBatches; part++) {
      const slices = rollouts.map((r) => ({ solver: slicePart(r.solver, part, plan.miniBatches), challenger: slicePart(r.challenger, part, plan.miniBatches) }));
      const acc: Record<string, tf.Tensor> = {};
      try {
        const perRollout: Record<string, number>[] = [];
        for (const s of slices) perRollout.push(await accumulateGradients(ctx, s, acc, 1 / rollouts.length));
        const metrics = meanOf(perRollout);
        zeroFill(acc, vars);
        const norm = await globalNorm(acc);
        const lossOk = Number.isFinite(metrics.loss ?? Number.NaN);
        if (lossOk && Number.isFinite(norm)) {
          clipByGlobalNorm(acc, norm, plan.clipNorm);
          optimizer.apply(acc, plan.lr);
          results.push({ metrics, gradNorm: norm, skipped: false });
        } else {
          results.push({ metrics, gradNorm: norm, skipped: true, reason: lossOk ? 'gradient' : 'loss' });
        }
      } finally {
        tf.dispose(Object.values(acc));
      }
    }
  }
  return results;
}

/**
 * Each metric's mean over the records that report it (a rollout with no valid query has no Solver
 * loss, so its record lacks that key).
 *
 * @example
 * ```ts
 * meanOf([{ a: 1, b: 2 }, { a: 3 }]); // { a: 2, b: 2 }
 * ```
 */
export function meanOf(records: readonly Record<string, number>[]): Record<string, number> {
  const sums: Record<string, number> = {};
  const counts: Record<string, number> = {};
  for (const r of records) {
    for (const [k, v] of Object.entries(r)) {
      sums[k] = (sums[k] ?? 0) + v;
      counts[k] = (counts[k] ?? 0) + 1;
    }
  }
  return Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / counts[k]]));
}
