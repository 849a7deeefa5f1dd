/**
 * Gradient of L = L_Sol + α_Ch·L_Ch over one rollout, computed micro-batch by micro-batch and added
 * into an accumulator, so memory is bounded by the micro-batch size, not by N·G.
 *
 * Each micro-batch's loss is weighted by its share of its role's sequences. For losses that are a
 * mean over sequences (REINFORCE with `sequenceSum` or `sequenceMean`, the paper's choice) the sum
 * equals the full-batch loss exactly; for `tokenMean` it is the mean of micro-batch token means.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM, Objective } from '@agon/core';
import { maskedMean, variableGrads } from '@agon/tensor';
import type { Reference } from './reference.js';
import { sequenceLogprobs, sequenceTensors, type Sequence } from './sequences.js';

/**
 * The loss of each role, as objects (REINFORCE, PPO-clip or a fork's own), and α_Ch.
 *
 * @example
 * ```ts
 * const objectives: RoleObjectives = { solver: reinforceLoss({ beta: 0.05 }), challenger: reinforceLoss({ beta: 0.05 }), alphaCh: 1 };
 * ```
 */
export interface RoleObjectives {
  solver: Objective;
  challenger: Objective;
  /** α_Ch, weight of the Challenger loss. */
  alphaCh: number;
}


/** What {@link accumulateGradients} needs besides the sequences. */
export interface GradientContext {
  model: CausalLM;
  reference: Reference | null;
  objectives: RoleObjectives;
  microBatchSize: number;
  padId: number;
  /** Pass reference log-probs even when the losses do not need them, so they report KL (a monitor). */
  measureKl?: boolean;
}

/**
 * Adds `scale`·∇L(rollout) into `acc` (one tensor per variable name, created on first use) and
 * returns the host metrics of the rollout: `loss`, `<role>/loss`, `<role>/entropy` and the
 * objectives' own metrics (e.g. `<role>/kl`), each a sequence-weighted mean over micro-batches.
 *
 * @example
 * ```ts
 * const acc: Record<string, tf.Tensor> = {};
 * const m = await accumulateGradients(ctx, { solver: seqs, challenger: [] }, acc, 1);
 * ```
 */
export async function accumulateGradients(
  ctx: GradientContext,
  batches: { solver: readonly Sequence[]; challenger: readonly Sequence[] },
  acc: Record<string, tf.Tensor>,
  scale: number,
): Promise<Record<string, number>> {
  const vars = ctx.model.trainableVariables();
  const sums: Record<string, number> = {};
  let total = 0;
  for (const role of ['solver', 'challenger'] as const) {
    const seqs = batches[role];
    if (seqs.length === 0) continue;
    const objective = ctx.objectives[role];
    const roleWeight = role === 'solver' ? 1 : ctx.objectives.alphaCh;
    for (let start = 0; start < seqs.length; start += ctx.microBatchSize) {
      const chunk = seqs.slice(start, start + ctx.microBatchSize);
      const share = chunk.length / seqs.length;
      const t = sequenceTensors(chunk, ctx.padId);
      let ref: tf.Tensor2D | undefined;
      const kept: tf.Scalar[] = [];
      try {
        if (objective.needsReference || (ctx.measureKl && ctx.reference)) {
          if (!ctx.reference) throw new Error('the loss needs reference log-probs (beta > 0) but the trainer has no reference model');
          ref = await ctx.reference.run((m) => tf.tidy(() => sequenceLogprobs(m, t, { entropy: false }).logprobs));
        }
        const names: string[] = [];
        const { value, grads } = variableGrads(() => {
          const { logprobs, entropy } = sequenceLogprobs(ctx.model, t);
          const out = objective.loss({ logprobs, refLogprobs: ref, oldLogprobs: t.oldLogprobs, advantages: t.advantages, mask: t.mask });
          names.push('loss', 'entropy', ...Object.keys(out.metrics));
          kept.push(tf.keep(out.loss), tf.keep(maskedMean(entropy, t.mask) as tf.Scalar), ...Object.values(out.metrics).map((m) => tf.keep(m)));
          return tf.mul(out.loss, share * roleWeight * scale) as tf.Scalar;
        }, vars);
        for (const v of vars) {
          const g = grads[v.name];
          if (!g) continue; // a variable the loss does not reach (its gradient is zero)
          const prev = acc[v.name];
          acc[v.name] = prev ? tf.add(prev, g) : tf.clone(g);
          prev?.dispose();
        }
        const host = await Promise.all([value, ...kept].map(async (x) => (await x.data())[0]));
        tf.dispose([value, ...kept, ...Object.values(grads)]);
        // The role's own loss is reported unweighted, so it reads true even when α_Ch is 0.
        total += host[0] / (scale || 1);
        names.forEach((n, k) => {
          sums[`${role}/${n}`] = (sums[`${role}/${n}`] ?? 0) + share * host[k + 1];
        });
      } finally {
        tf.dispose([t.inputs, t.targets, t.mask, t.oldLogprobs, t.advantages, ...kept]); // kept: already freed unless the pass threw
        ref?.dispose();
      }
    }
  }
  sums.loss = total;
  return sums;
}

/**
 * Fills `acc` with zeros for every variable it lacks (a step where no sequence reached a variable).
 *
 * @example
 * ```ts
 * zeroFill(acc, model.trainableVariables());
 * ```
 */
export function zeroFill(acc: Record<string, tf.Tensor>, vars: readonly tf.Variable[]): void {
  for (const v of vars) if (!acc[v.name]) acc[v.name] = tf.zerosLike(v);
}
