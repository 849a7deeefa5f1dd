/**
 * Token log-probs and entropies straight from hidden states: the output projection, log-softmax,
 * target gather and entropy fused and chunked over rows, so the [N, V] logits never exist at once.
 * The backward pass recomputes each chunk's logits from the saved hidden states and per-row
 * log-sum-exp (the idea of Liger's fused linear cross-entropy) — unless all the logits together
 * are small (`keepLogitsBytes`), when they are one chunk, kept for it instead: one product fewer.
 * Shapes: N rows, C width, V vocab.
 */
import * as tf from '@tensorflow/tfjs-core';
import { logitsGrad, logprobsEntropyLse } from '../kernels/token-logprobs/op.js';

/** Default budget of one chunk's logits: 16 MB (e.g. 85 rows at vocab 49152). */
export const LOGIT_CHUNK_BYTES = 16 * 2 ** 20;

/**
 * Default budget of logits kept from the forward pass for the backward pass: 128 MB (stories15M's
 * 4×128 batch at vocab 32000 is 66 MB; SmolLM2's 4×256 at 49152, 201 MB, recomputes).
 */
export const KEEP_LOGITS_BYTES = 128 * 2 ** 20;

/**
 * Options of {@link linearTokenLogprobs}.
 *
 * @example
 * ```ts
 * const opts: LinearLogprobsOptions = { chunkBytes: 8 * 2 ** 20 };
 * ```
 */
export interface LinearLogprobsOptions {
  /**
   * Bytes of float32 logits one chunk may hold (rows per chunk = chunkBytes / (4·V), at least 1).
   * Logits kept for the backward pass (`keepLogitsBytes`) are one chunk whatever this is.
   */
  chunkBytes?: number;
  /**
   * Under a gradient tape, when all N·V logits take at most this many bytes they are kept for the
   * backward pass instead of recomputed there (default {@link KEEP_LOGITS_BYTES}; 0 always
   * recomputes).
   */
  keepLogitsBytes?: number;
  /**
   * Also compute the entropies (default true). false: only the log-probs, and the result has no
   * `entropy`; on GPU backends (composed ops) that skips the entropy's work forward and backward.
   */
  entropy?: boolean;
}


/** Chunk starts and lengths over N rows. */
function chunks(N: number, rows: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < N; s += rows) out.push([s, Math.min(rows, N - s)]);
  return out;
}

type FusedFn = (h: tf.Tensor2D, w: tf.Tensor2D, save: tf.GradSaveFunc) => { value: tf.Tensor2D; gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => tf.Tensor[] };

/**
 * log p(target) and the entropy (nats; left out with `entropy: false`) of
 * `softmax(hidden · weightᵀ)` for each row, without
 * building the [N, V] logits: rows are processed in chunks of `chunkBytes` of logits, forward and
 * backward, and the backward pass recomputes each chunk's logits (only `hidden`, the targets and
 * each row's log-sum-exp are kept) — unless all N·V logits fit in `keepLogitsBytes`, when they
 * are computed as one chunk and kept for the backward pass instead. Differentiable in `hidden`
 * and `weight` (both outputs); a `tf.Variable` weight with `trainable` false is a constant (no
 * weight-gradient work). A `weight` that is a `tf.Variable` is read again in the backward pass
 * rather than copied, so it must not be reassigned in between; any other tensor is saved.
 *
 * Equal to `tokenLogprobs(linear(hidden, weight), targets)` and `entropyFromLogits(…)` up to float32
 * summation order.
 *
 * @param hidden - float32 [N, C] (the final-norm hidden states).
 * @param weight - float32 [V, C] (lm_head, or the tied embedding table).
 * @param targets - int32 [N] ids in [0, V).
 * @returns `logprobs` [N] and `entropy` [N] (caller disposes them); no `entropy` with `{ entropy: false }`.
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { linearTokenLogprobs } from '@agon/tensor';
 * const { logprobs, entropy } = linearTokenLogprobs(tf.ones([2, 3]), tf.eye(3), tf.tensor1d([0, 2], 'int32'));
 * // logprobs [-1.0986, -1.0986], entropy [1.0986, 1.0986]
 * const only = linearTokenLogprobs(tf.ones([2, 3]), tf.eye(3), tf.tensor1d([0, 2], 'int32'), { entropy: false });
 * // only.logprobs [-1.0986, -1.0986], no only.entropy
 * ```
 */
export function linearTokenLogprobs(
  hidden: tf.Tensor2D, weight: tf.Tensor2D, targets: tf.Tensor1D, opts?: LinearLogprobsOptions & { entropy?: true },
): { logprobs: tf.Tensor1D; entropy: tf.Tensor1D };
export function linearTokenLogprobs(
  hidden: tf.Tensor2D, weight: tf.Tensor2D, targets: tf.Tensor1D, opts: LinearLogprobsOptions & { entropy: false },
): { logprobs: tf.Tensor1D };
export function linearTokenLogprobs(
  hidden: tf.Tensor2D, weight: tf.Tensor2D, targets: tf.Tensor1D, opts?: LinearLogprobsOptions,
): { logprobs: tf.Tensor1D; entropy?: tf.Tensor1D };
export function linearTokenLogprobs(
  hidden: tf.Tensor2D,
  weight: tf.Tensor2D,
  targets: tf.Tensor1D,
  opts: LinearLogprobsOptions = {},
): { logprobs: tf.Tensor1D; entropy?: tf.Tensor1D } {
  if (hidden.rank !== 2 || weight.rank !== 2 || hidden.shape[1] !== weight.shape[1]) {
    throw new Error(
      `linearTokenLogprobs: hidden must be [N, C] and weight [V, C] with the same C; got hidden [${hidden.shape.join(', ')}], weight [${weight.shape.join(', ')}]`,
    );
  }
  const [N] = hidden.shape;
  const V = weight.shape[0];
  if (targets.rank !== 1 || targets.shape[0] !== N) {
    throw new Error(`linearTokenLogprobs: targets must have shape [${N}] (one id per hidden row), got [${targets.shape.join(', ')}]`);
  }
  if (targets.dtype !== 'int32') throw new Error(`linearTokenLogprobs: targets must be int32, got ${targets.dtype}`);
  const chunkBytes = opts.chunkBytes ?? LOGIT_CHUNK_BYTES;
  if (!(chunkBytes > 0)) throw new Error(`linearTokenLogprobs: chunkBytes must be positive, got ${chunkBytes}`);
  if (opts.keepLogitsBytes !== undefined && !(opts.keepLogitsBytes >= 0)) {
    throw new Error(`linearTokenLogprobs: keepLogitsBytes must be a number ≥ 0, got ${opts.keepLogitsBytes}`);
  }
  // Small logits: saved for the backward pass rather than recomputed, and then computed as one
  // chunk: they are all held until the backward pass anyway, and one [N, C]·[C, V] product packs
  // the weight once instead of once a chunk (a stories15M 4×128 step: 815 → 765 ms).
  const keep = 4 * N * V <= (opts.keepLogitsBytes ?? KEEP_LOGITS_BYTES);
  const rows = keep ? N : Math.max(1, Math.min(N, Math.floor(chunkBytes / (4 * V))));
  const parts = chunks(N, rows);
  // One chunk: no slices.
  const whole = parts.length === 1;
  const rowsOf = <T extends tf.Tensor>(t: T, s: number, n: number): T =>
    (whole ? t : t.rank === 1 ? tf.slice(t, [s], [n]) : tf.slice(t, [s, 0], [n, -1])) as T;
  const borrowed = weight instanceof tf.Variable;
  // A frozen variable (the tied embedding under LoRA) gets no gradient: it is not an input of the
  // op, so the backward pass skips the [V, C] weight-gradient products altogether.
  const frozen = borrowed && !(weight as tf.Variable).trainable;
  // The op's value: row 0 the log-probs, row 1 the entropies when wanted ([1 or 2, N]).
  const withEntropy = opts.entropy !== false;

  const fused: FusedFn = (h, w, save) => {
    const out = tf.tidy(() => {
      const lps: tf.Tensor[] = [];
      const ents: tf.Tensor[] = [];
      const zs: tf.Tensor[] = [];
      let logits: tf.Tensor | undefined;
      for (const [s, n] of parts) {
        const [lp, logZ, z, ent] = tf.tidy(() => {
          const z = tf.matMul(rowsOf(h, s, n), w, false, true) as tf.Tensor2D; // [n, V]
          const [l, e, lse] = logprobsEntropyLse(z, rowsOf(targets, s, n), { entropy: withEntropy });
          return e ? [l, lse, z, e] : [l, lse, z];
        });
        lps.push(lp);
        zs.push(logZ);
        if (keep) logits = z; // the only chunk
        else z.dispose();
        if (ent) ents.push(ent);
      }
      const cat = (xs: tf.Tensor[]) => (xs.length === 1 ? xs[0] : tf.concat(xs));
      // Without the entropy, an empty [0] tensor stands in for it in what is saved.
      const entropy = withEntropy ? cat(ents) : tf.zeros([0]);
      return { value: tf.stack(withEntropy ? [cat(lps), entropy] : [cat(lps)]) as tf.Tensor2D, logZ: cat(zs), entropy, logits };
    });
    // Saved: hidden, logZ, targets, entropy ([0] when not wanted), the weight unless borrowed,
    // and the logits when they are kept.
    const kept = out.logits ? [out.logits] : [];
    save([h, out.logZ, targets, out.entropy, ...(borrowed ? [] : [w]), ...kept]);
    tf.dispose([out.logZ, out.entropy, ...kept]);
    return {
      value: out.value,
      gradFunc: (dy, saved) => {
        const [hs, logZ, ids, ent] = saved;
        const ws = borrowed ? weight : (saved[4] as tf.Tensor2D);
        const logits = keep ? (saved[borrowed ? 4 : 5] as tf.Tensor2D) : undefined;
        const dhs: tf.Tensor[] = [];
        let dw: tf.Tensor | undefined;
        const wantDw = !frozen;
        for (const [s, n] of parts) {
          const [dh, dwChunk] = tf.tidy(() => {
            const hc = rowsOf(hs as tf.Tensor2D, s, n);
            const z = logits ?? (tf.matMul(hc, ws, false, true) as tf.Tensor2D);
            const part = (t: tf.Tensor) => rowsOf(t as tf.Tensor1D, s, n);
            const row = (r: number) => tf.reshape(tf.slice(dy, [r, s], [1, n]), [n]) as tf.Tensor1D;
            const g = withEntropy ? logitsGrad(z, part(ids), part(logZ), part(ent), row(0), row(1)) : logitsGrad(z, part(ids), part(logZ), undefined, row(0), undefined);
            return wantDw ? [tf.matMul(g, ws), tf.matMul(g, hc, true, false)] : [tf.matMul(g, ws)]; // dh [n, C], dW [V, C]
          });
          dhs.push(dh);
          if (!dwChunk) continue;
          if (dw) {
            const prev = dw;
            dw = tf.add(prev, dwChunk);
            tf.dispose([prev, dwChunk]);
          } else dw = dwChunk;
        }
        const dh = dhs.length === 1 ? dhs[0] : tf.concat(dhs);
        if (dhs.length > 1) tf.dispose(dhs);
        return frozen ? [dh] : [dh, dw as tf.Tensor];
      },
    };
  };
  const custom = tf.customGrad(fused as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...xs: tf.Tensor[]) => tf.Tensor2D;
  const both = frozen ? (tf.customGrad(((h: tf.Tensor2D, save: tf.GradSaveFunc) => fused(h, weight, save)) as never) as unknown as (h: tf.Tensor) => tf.Tensor2D)(hidden) : custom(hidden, weight);
  if (!withEntropy) {
    const logprobs = tf.reshape(both, [N]) as tf.Tensor1D;
    both.dispose();
    return { logprobs };
  }
  const [logprobs, entropy] = tf.unstack(both) as tf.Tensor1D[];
  both.dispose();
  return { logprobs, entropy };
}
