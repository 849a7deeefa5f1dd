import * as tf from '@tensorflow/tfjs-core';

/**
 * Global L2 norm of all gradients, read back to the host (the trainer needs it to decide whether a
 * step is finite and how much to clip).
 *
 * @example
 * ```ts
 * const norm = await globalNorm(grads); // Record<name, Tensor>
 * ```
 */
export async function globalNorm(grads: Readonly<Record<string, tf.Tensor>>): Promise<number> {
  const sq = tf.tidy(() => tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
  const v = (await sq.data())[0];
  sq.dispose();
  return Math.sqrt(v);
}

/**
 * Scales every gradient by `min(1, maxNorm / norm)` in place of the record (old tensors freed), so the
 * global norm is at most `maxNorm`. `maxNorm` 0 leaves the gradients alone.
 *
 * @example
 * ```ts
 * clipByGlobalNorm(grads, await globalNorm(grads), 1.0);
 * ```
 */
export function clipByGlobalNorm(grads: Record<string, tf.Tensor>, norm: number, maxNorm: number): void {
  if (maxNorm <= 0 || norm <= maxNorm) return;
  const scale = maxNorm / (norm + 1e-6);
  for (const k of Object.keys(grads)) {
    const g = grads[k];
    grads[k] = tf.mul(g, scale);
    g.dispose();
  }
}
