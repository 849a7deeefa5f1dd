/**
 * The reference model π_Ref = the initial policy. With LoRA adapters it is the same model with
 * adapters off; otherwise a frozen snapshot of the initial weights, swapped into the policy's
 * variables only while the reference runs (one extra copy of the weights, no second model object).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM } from '@agon/core';

/**
 * Runs code against the reference model.
 *
 * @example
 * ```ts
 * const ref = referenceFor(model);
 * const logits = await ref.run((m) => m.forward(ids).logits);
 * ref.dispose();
 * ```
 */
export interface Reference {
  /** Calls `fn` with the reference model; the policy is untouched afterwards. Calls must not overlap. */
  run<T>(fn: (model: CausalLM) => T | Promise<T>): Promise<T>;
  /** Frees what the reference holds (not the policy). */
  dispose(): void;
}

/**
 * A frozen copy of `model`'s current weights (see {@link Reference}).
 *
 * @example
 * ```ts
 * const ref = snapshotReference(model); // before any update
 * ```
 */
export function snapshotReference(model: CausalLM): Reference {
  const vars = model.trainableVariables();
  const frozen = vars.map((v) => tf.clone(v));
  let busy = false;
  return {
    async run(fn) {
      if (busy) throw new Error('snapshotReference: run() calls must not overlap');
      busy = true;
      const current = vars.map((v) => tf.clone(v));
      vars.forEach((v, i) => v.assign(frozen[i]));
      try {
        return await fn(model);
      } finally {
        vars.forEach((v, i) => v.assign(current[i]));
        tf.dispose(current);
        busy = false;
      }
    },
    dispose() {
      tf.dispose(frozen);
    },
  };
}

/**
 * The reference of a model with adapters: the same weights with adapters switched off.
 *
 * @example
 * ```ts
 * const ref = model.withAdapters ? adapterReference(model) : snapshotReference(model);
 * ```
 */
export function adapterReference(model: CausalLM): Reference {
  if (!model.withAdapters) throw new Error('adapterReference: the model has no withAdapters(); use snapshotReference');
  const off = model.withAdapters(false);
  return { run: async (fn) => fn(off), dispose: () => undefined };
}

/**
 * The reference a trainer should use for `model`: adapters off when it has them, else a snapshot.
 *
 * @example
 * ```ts
 * const ref = referenceFor(model);
 * ```
 */
export function referenceFor(model: CausalLM): Reference {
  return model.withAdapters ? adapterReference(model) : snapshotReference(model);
}
