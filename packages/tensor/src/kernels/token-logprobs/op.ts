/**
 * Log-softmax + target gather + entropy of logits [N, V]: one kernel each way on cpu and wasm
 * (`AgonTokenLogprobs`, its gradient `AgonTokenLogprobsGrad` registered for it), composed tfjs ops
 * on GPU backends. The two pieces below are also what the chunked `linearTokenLogprobs` and
 * `tokenLogprobs` run inside their own custom gradients, so each formula lives here once.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  registerTokenLogprobsKernels,
  TOKEN_LOGPROBS_BACKENDS,
  TOKEN_LOGPROBS_GRAD_KERNEL,
  TOKEN_LOGPROBS_KERNEL,
} from './kernels.js';

/** Stand-in for −∞ in p·log p: 0 · (−FLT_MAX) is 0, where 0 · (−∞) would be NaN. */
export const MIN_LOGP = -3.4e38;

/** Whether the active backend runs the fused kernels (registering them on first use). */
function fusedHere(): boolean {
  if (!(TOKEN_LOGPROBS_BACKENDS as readonly string[]).includes(tf.getBackend())) return false;
  registerTokenLogprobsKernels();
  registerTokenLogprobsGradient();
  return true;
}

/** log Σ exp over each row, [N, 1]; an all −∞ row gets −∞ (its shift is replaced by 0). */
export function logSumExpRows(x: tf.Tensor2D): tf.Tensor2D {
  // The max is a constant shift (it cancels), so no gradient needs to flow through it.
  return tf.tidy(() => {
    const m = tf.max(x, 1, true);
    const safeM = tf.where(tf.isFinite(m), m, tf.zerosLike(m));
    const s = tf.sum(tf.exp(tf.sub(x, safeM)), 1, true);
    return tf.add(tf.log(s), safeM) as tf.Tensor2D;
  });
}

/**
 * Whether {@link logprobsEntropyLse} computes the entropy. Default true; false leaves it out (the
 * composed ops on GPU backends then skip its exp, product and sum over [N, V]; the fused kernels
 * compute it in passing and it is dropped).
 *
 * @example
 * ```ts
 * const opts: EntropyOption = { entropy: false };
 * ```
 */
export interface EntropyOption {
  entropy?: boolean;
}

/**
 * Per row of z [N, V] with int32 targets [N]: the target's log-prob, the entropy (undefined with
 * `{ entropy: false }`) and the log-sum-exp, each [N], without checking its inputs (callers
 * inside custom gradients pair it with {@link logitsGrad}). Caller disposes what it returns.
 *
 * @example
 * ```ts
 * const [lp, ent, logZ] = logprobsEntropyLse(tf.zeros([1, 2]), tf.tensor1d([1], 'int32')); // log ½, log 2, log 2
 * const [lpOnly, none, lse] = logprobsEntropyLse(z, ids, { entropy: false }); // none: undefined
 * ```
 */
export function logprobsEntropyLse(z: tf.Tensor2D, targets: tf.Tensor1D, opts?: { entropy?: true }): [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
export function logprobsEntropyLse(z: tf.Tensor2D, targets: tf.Tensor1D, opts: { entropy: false }): [tf.Tensor1D, undefined, tf.Tensor1D];
export function logprobsEntropyLse(z: tf.Tensor2D, targets: tf.Tensor1D, opts?: EntropyOption): [tf.Tensor1D, tf.Tensor1D | undefined, tf.Tensor1D];
export function logprobsEntropyLse(z: tf.Tensor2D, targets: tf.Tensor1D, opts: EntropyOption = {}): [tf.Tensor1D, tf.Tensor1D | undefined, tf.Tensor1D] {
  const wanted = opts.entropy !== false;
  if (!fusedHere()) return composed(z, targets, wanted);
  const [lp, ent, logZ] = tf.engine().runKernel(TOKEN_LOGPROBS_KERNEL, { logits: z, targets }, {}) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
  if (wanted) return [lp, ent, logZ];
  ent.dispose();
  return [lp, undefined, logZ];
}

/**
 * d z of Σ dLp·lp + Σ dEnt·entropy (+ Σ dLogZ·logZ) for the values {@link logprobsEntropyLse}
 * returned: (onehot − p)·dLp − p·(log p + H)·dEnt + p·dLogZ with p = exp(z − logZ). Without
 * `dEnt` (undefined) the entropy term is left out and `entropy` may be undefined too: what a
 * caller that asked for `{ entropy: false }` passes; on GPU backends that skips the term's work.
 *
 * @throws when `dEnt` is given without `entropy`.
 * @example
 * ```ts
 * const g = logitsGrad(z, ids, logZ, ent, tf.onesLike(logZ), tf.zerosLike(logZ)); // d Σ lp / dz
 * const g2 = logitsGrad(z, ids, logZ, undefined, tf.onesLike(logZ), undefined);  // the same, no entropy
 * ```
 */
export function logitsGrad(
  z: tf.Tensor2D,
  targets: tf.Tensor1D,
  logZ: tf.Tensor1D,
  entropy: tf.Tensor1D | undefined,
  dLp: tf.Tensor1D,
  dEnt: tf.Tensor1D | undefined,
  dLogZ?: tf.Tensor1D,
): tf.Tensor2D {
  if (dEnt && !entropy) throw new Error('logitsGrad: dEnt needs the entropy it differentiates (entropy is undefined)');
  if (fusedHere()) {
    return tf.tidy(() => {
      // The kernel takes both; a zero dEnt makes its entropy term exactly 0 whatever the entropy.
      const inputs: tf.NamedTensorMap = { logits: z, targets, logZ, dLp };
      if (dEnt && entropy) Object.assign(inputs, { entropy, dEnt });
      else {
        const zero = tf.zerosLike(dLp);
        Object.assign(inputs, { entropy: entropy ?? zero, dEnt: zero });
      }
      if (dLogZ) inputs.dLogZ = dLogZ;
      const [g] = tf.engine().runKernel(TOKEN_LOGPROBS_GRAD_KERNEL, inputs, {}) as tf.Tensor2D[];
      return g;
    });
  }
  const [N, V] = z.shape;
  return tf.tidy(() => {
    const col = (t: tf.Tensor1D) => tf.reshape(t, [N, 1]);
    const logp = tf.sub(z, col(logZ));
    const p = tf.exp(logp);
    // One-hot from a comparison: tf.oneHot(…, 'float32') on wasm 4.22 writes int bits into the float buffer.
    const hot = tf.cast(tf.equal(col(targets), tf.range(0, V, 1, 'int32')), 'float32');
    let g = tf.mul(tf.sub(hot, p), col(dLp));
    if (dEnt && entropy) g = tf.sub(g, tf.mul(tf.mul(p, tf.add(tf.maximum(logp, tf.scalar(MIN_LOGP)), col(entropy))), col(dEnt)));
    if (dLogZ) g = tf.add(g, tf.mul(p, col(dLogZ)));
    return g as tf.Tensor2D;
  });
}

/** The gradient of `AgonTokenLogprobs`, registered with tfjs (idempotent). */
function registerTokenLogprobsGradient(): void {
  if (tf.getGradient(TOKEN_LOGPROBS_KERNEL)) return;
  tf.registerGradient({
    kernelName: TOKEN_LOGPROBS_KERNEL,
    inputsToSave: ['logits', 'targets'],
    outputsToSave: [false, true, true],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [dLp, dEnt, dLogZ] = dy as tf.Tensor1D[];
      const [logits, targets, entropy, logZ] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
      const [g] = tf.engine().runKernel(TOKEN_LOGPROBS_GRAD_KERNEL, { logits, targets, logZ, entropy, dLp, dEnt, dLogZ }, {}) as tf.Tensor[];
      return { logits: () => g, targets: () => tf.zerosLike(targets) };
    },
  });
}

/**
 * Token log-probs, entropies (nats) and log-sum-exps of logits [N, V] for int32 targets [N]:
 * log softmax(z)[target], −Σ p·log p and log Σ exp z, each [N]; differentiable in the logits
 * (all three outputs). One fused kernel each way on cpu and wasm, composed ops elsewhere.
 *
 * @throws naming the shapes when targets is not int32 [N] for logits [N, V].
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { logSoftmaxGather } from '@agon/tensor';
 * const { logprobs, entropy } = logSoftmaxGather(tf.tensor2d([[0, 0]]), tf.tensor1d([1], 'int32'));
 * // logprobs [-0.6931], entropy [0.6931]
 * ```
 */
export function logSoftmaxGather(logits: tf.Tensor2D, targets: tf.Tensor1D): { logprobs: tf.Tensor1D; entropy: tf.Tensor1D; logZ: tf.Tensor1D } {
  if (logits.rank !== 2 || targets.rank !== 1 || targets.shape[0] !== logits.shape[0]) {
    throw new Error(`logSoftmaxGather: logits must be [N, V] and targets [N]; got logits [${logits.shape.join(', ')}], targets [${targets.shape.join(', ')}]`);
  }
  if (targets.dtype !== 'int32') throw new Error(`logSoftmaxGather: targets must be int32, got ${targets.dtype}`);
  if (logits.dtype !== 'float32') throw new Error(`logSoftmaxGather: logits must be float32, got ${logits.dtype}`);
  const [logprobs, entropy, logZ] = logprobsEntropyLse(logits, targets);
  return { logprobs, entropy, logZ };
}

/** The composed form, differentiable by tfjs' own gradients (GPU backends); the entropy only when wanted. */
function composed(z: tf.Tensor2D, targets: tf.Tensor1D, wanted: boolean): [tf.Tensor1D, tf.Tensor1D | undefined, tf.Tensor1D] {
  const [N, V] = z.shape;
  const [lp, logZ, ent] = tf.tidy(() => {
    const lse = logSumExpRows(z);
    const logp = tf.sub(z, lse);
    // Flat index n·V + id picks row n's target from the [N·V] view.
    const idx = tf.add(tf.mul(tf.range(0, N, 1, 'int32'), tf.scalar(V, 'int32')), targets);
    const out = [tf.gather(tf.reshape(logp, [N * V]), idx), tf.reshape(lse, [N])];
    if (wanted) out.push(tf.neg(tf.sum(tf.mul(tf.exp(logp), tf.maximum(logp, tf.scalar(MIN_LOGP))), 1)));
    return out;
  }) as tf.Tensor1D[];
  return [lp, ent, logZ];
}
