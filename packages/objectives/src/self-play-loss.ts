import * as tf from '@tensorflow/tfjs-core';
import type { Objective, PolicyBatch } from '@agon/core';

/**
 * Options of {@link selfPlayLoss}.
 *
 * @example
 * ```ts
 * const opts: SelfPlayLossOptions = { solver: reinforceLoss({ beta: 0.05 }), challenger: reinforceLoss({ beta: 0.05 }), alphaCh: 1 };
 * ```
 */
export interface SelfPlayLossOptions {
  /** Loss of the Solver's answers (N·G sequences). */
  solver: Objective;
  /** Loss of the Challenger's queries (N sequences). */
  challenger: Objective;
  /** α_Ch, the Challenger's weight. Default 1 (the paper does not report its value). */
  alphaCh?: number;
}

/**
 * The combined self-play loss over both roles.
 *
 * @example
 * ```ts
 * declare const loss: SelfPlayLoss;
 * const { loss: total, metrics } = loss.loss({ solver: solverBatch, challenger: challengerBatch });
 * ```
 */
export interface SelfPlayLoss {
  loss(batches: { solver: PolicyBatch; challenger: PolicyBatch }): { loss: tf.Scalar; metrics: Record<string, tf.Scalar> };
}

/**
 * L = L_Sol + α_Ch·L_Ch (Algorithm 1, line 7), one optimizer step on the sum. Metrics are the two
 * parts' metrics prefixed `solver/` and `challenger/`, plus `solver/loss` and `challenger/loss`.
 *
 * @example
 * ```ts
 * const lsp = selfPlayLoss({ solver: reinforceLoss({ beta: 0.05 }), challenger: reinforceLoss({ beta: 0.05 }) });
 * optimizer.minimize(() => lsp.loss({ solver: solverBatch, challenger: challengerBatch }).loss);
 * ```
 */
export function selfPlayLoss(options: SelfPlayLossOptions): SelfPlayLoss {
  const alphaCh = options.alphaCh ?? 1;
  if (!Number.isFinite(alphaCh) || alphaCh < 0) throw new Error(`selfPlayLoss: option alphaCh must be a finite number ≥ 0, got ${alphaCh}`);
  return {
    loss({ solver, challenger }) {
      return tf.tidy(() => {
        const s = options.solver.loss(solver);
        const c = options.challenger.loss(challenger);
        const metrics: Record<string, tf.Scalar> = { 'solver/loss': s.loss, 'challenger/loss': c.loss };
        for (const [k, v] of Object.entries(s.metrics)) metrics[`solver/${k}`] = v;
        for (const [k, v] of Object.entries(c.metrics)) metrics[`challenger/${k}`] = v;
        return { loss: tf.add(s.loss, tf.mul(alphaCh, c.loss)) as tf.Scalar, metrics };
      });
    },
  };
}
