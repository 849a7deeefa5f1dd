/**
 * Activation recomputation (gradient checkpointing): a block whose intermediate tensors are not
 * kept for the backward pass. The forward pass runs the block off the tape; the backward pass runs
 * it again on the saved input, differentiates that copy and frees it before the next block's turn.
 * Memory for the backward pass drops from every intermediate of every block to each block's input;
 * time grows by about one forward pass.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * What {@link recompute} runs: y = block(x, consts). It must read only `x`, `consts`, and
 * variables that stay unchanged until the backward pass; its result must depend on nothing else
 * that varies (random draws are replayed with `replay`).
 */
export type RecomputeBlock = (x: tf.Tensor, consts: readonly tf.Tensor[]) => tf.Tensor;

/**
 * Options of {@link recompute}.
 *
 * @example
 * ```ts
 * const opts: RecomputeOptions = { replay: () => () => undefined };
 * ```
 */
export interface RecomputeOptions {
  /**
   * Called in the backward pass just before the block runs again (e.g. to rewind a dropout seed
   * counter and set per-call state); returns the function that undoes it afterwards.
   */
  replay?: () => () => void;
}

/** The engine fields the nested differentiation swaps (tfjs keeps one global tape). */
interface EngineTape {
  state: { activeTape: unknown };
  gradients(f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allowNoGradients?: boolean): { value: tf.Tensor; grads: (tf.Tensor | undefined)[] };
}

/**
 * y = block(x, consts), differentiable in `x` and in `params` (the trainable variables the block
 * reads), with the block's intermediate tensors recomputed in the backward pass instead of kept.
 * `consts` (masks, position tables) are kept until the backward pass; they get no gradient.
 * Outside a gradient tape it costs nothing beyond the block itself.
 *
 * @param params - every trainable variable the block reads whose gradient is wanted; variables
 *   it reads that are not listed are treated as constants.
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { recompute } from '@agon/tensor';
 * const w = tf.variable(tf.ones([3, 3]));
 * const x = tf.ones([2, 3]);
 * const { grads } = tf.variableGrads(() => tf.sum(recompute((h) => tf.relu(tf.matMul(h, w)), x, [w])), [w]);
 * ```
 */
export function recompute(block: RecomputeBlock, x: tf.Tensor, params: readonly tf.Variable[], consts: readonly tf.Tensor[] = [], opts: RecomputeOptions = {}): tf.Tensor {
  const f = (...args: unknown[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const xIn = args[0] as tf.Tensor;
    save([xIn, ...consts]);
    return {
      value: block(xIn, consts),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ...cs] = saved;
        const engine = tf.engine() as unknown as EngineTape;
        // Differentiating inside a backward pass: tfjs has one tape, which a nested gradients()
        // call replaces and clears; the outer pass still needs it, so it is put back afterwards.
        const outerTape = engine.state.activeTape;
        const undo = opts.replay?.();
        try {
          const { value, grads } = engine.gradients(() => block(xs, cs), [xs, ...params], dy, true);
          value.dispose();
          return grads.map((g, i) => g ?? tf.zerosLike(i === 0 ? xs : params[i - 1]));
        } finally {
          engine.state.activeTape = outerTape;
          undo?.();
        }
      },
    };
  };
  return (tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...xs: tf.Tensor[]) => tf.Tensor)(x, ...params);
}
