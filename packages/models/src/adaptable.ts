/**
 * What an architecture offers so that LoRA (see lora/) can wrap its linear modules: it lists them
 * by checkpoint path with their widths and weights, and runs a forward pass with each module's
 * output y = W·x swapped for the wrapped y + hook(x, path). An architecture added with
 * `registerArchitecture` gets LoRA by implementing {@link Adaptable}.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM } from '@agon/core';
import { recompute, type RecomputeBlock } from '@agon/tensor';

/**
 * Given a linear module's input x [N, in] and its path (`model.layers.0.self_attn.q_proj`), the
 * term to add to its output [N, out], or undefined when that module carries no adapter.
 *
 * @example
 * ```ts
 * const hook: AdapterHook = (x, module) => (module.endsWith('q_proj') ? tf.zeros([x.shape[0], 64]) : undefined);
 * ```
 */
export type AdapterHook = ((x: tf.Tensor2D, module: string) => tf.Tensor2D | undefined) & {
  /** The trainable variables of the adapters on modules whose path starts with `prefix` (for recomputation). */
  variables?: (prefix: string) => tf.Variable[];
  /** Counter behind the hook's random draws (dropout): read before a block, set back to replay it. */
  cursor?: { get(): number; set(n: number): void };
};

/**
 * One linear module that can carry an adapter.
 *
 * @example
 * ```ts
 * const m: LinearModule = { path: 'model.layers.0.self_attn.q_proj', kind: 'self_attn.q_proj', inFeatures: 64, outFeatures: 64, weight, fanInFanOut: false };
 * ```
 */
export interface LinearModule {
  /** Full module path: the checkpoint key of its weight without `.weight`. */
  path: string;
  /** The path inside one block (`self_attn.q_proj`, `attn.c_attn`); short target names select kinds. */
  kind: string;
  inFeatures: number;
  outFeatures: number;
  /** The base weight variable, [out, in] (or [in, out] when `fanInFanOut`). */
  weight: tf.Variable;
  /** True when the weight is stored [in, out], as GPT-2's Conv1D (PEFT's `fan_in_fan_out`). */
  fanInFanOut: boolean;
  /**
   * Set when the output rows follow llama2.c's interleaved RoPE layout (pairs 2i, 2i+1) with this
   * head size: PEFT files hold them in the Hugging Face halves layout, so `lora_B` rows are
   * permuted on save and back on load.
   */
  ropeInterleavedHeadDim?: number;
}

/**
 * A model whose linear modules LoRA can wrap.
 *
 * @example
 * ```ts
 * class MyModel implements CausalLM, Adaptable {
 *   private readonly slot = new AdapterSlot();
 *   readonly adapterShortNames = { q: ['attn.q'], v: ['attn.v'] };
 *   linearModules() { return [linearModule('layers.0.attn.q', 'attn.q', this.wq)]; }
 *   withAdapterHook<T>(hook: AdapterHook, fn: () => T): T { return this.slot.run(hook, fn); }
 *   // … forward passes every projection through this.slot.apply(path, x, y)
 * }
 * ```
 */
export interface Adaptable {
  /** Every linear module that may carry an adapter, in checkpoint order. */
  linearModules(): LinearModule[];
  /**
   * Short target names → the module kinds they select (the Llama family: `q` → `self_attn.q_proj`).
   * Without it, targets name modules by path or by a `.`-suffix of it.
   */
  readonly adapterShortNames?: Readonly<Record<string, readonly string[]>>;
  /**
   * Runs `fn` (a forward pass of this model) with every listed module's output y swapped for
   * y + hook(x, path); the swap lasts for this call only.
   */
  withAdapterHook<T>(hook: AdapterHook, fn: () => T): T;
}

/**
 * True when `model` implements {@link Adaptable}.
 *
 * @example
 * ```ts
 * if (!isAdaptable(model)) throw new Error('LoRA cannot wrap this model');
 * ```
 */
export function isAdaptable(model: CausalLM): model is CausalLM & Adaptable {
  const m = model as Partial<Adaptable>;
  return typeof m.linearModules === 'function' && typeof m.withAdapterHook === 'function';
}

/**
 * A {@link LinearModule} for `weight` at `path`: widths from its shape ([out, in], or [in, out]
 * with `fanInFanOut`).
 *
 * @example
 * ```ts
 * linearModule('transformer.h.0.attn.c_attn', 'attn.c_attn', w, true); // inFeatures = w.shape[0]
 * ```
 */
export function linearModule(path: string, kind: string, weight: tf.Variable, fanInFanOut = false): LinearModule {
  const [a, b] = weight.shape;
  return { path, kind, inFeatures: fanInFanOut ? a : b, outFeatures: fanInFanOut ? b : a, weight, fanInFanOut };
}

/**
 * The adapter hook of one model, set for one forward pass at a time: what an {@link Adaptable}
 * architecture holds to implement `withAdapterHook`.
 *
 * @example
 * ```ts
 * const slot = new AdapterSlot();
 * const y = slot.apply('fc1', x, tf.matMul(x, W, false, true)); // y itself while no hook is set
 * ```
 */
export class AdapterSlot {
  /** The hook of the forward pass in progress, if any. */
  current: AdapterHook | undefined;

  /** y + hook(x, path) while a hook is set and adapts `path`; y itself otherwise. */
  apply(path: string, x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
    const delta = this.current?.(x, path);
    return delta ? tf.add(y, delta) : y;
  }

  /** Runs `fn` with `hook` set, restoring the previous one afterwards. */
  run<T>(hook: AdapterHook, fn: () => T): T {
    const outer = this.current;
    this.current = hook;
    try {
      return fn();
    } finally {
      this.current = outer;
    }
  }

  /**
   * y = block(x, consts) for one layer whose weights and modules have keys starting with `prefix`,
   * its intermediates recomputed in the backward pass (recompute in @agon/tensor): differentiable
   * in x, the layer's trainable weights (those of `weights` under `prefix`) and the current hook's
   * adapter variables under `prefix`. The backward pass runs the block again with the same hook
   * set and its random-draw cursor rewound, so dropout masks are replayed exactly.
   *
   * @example
   * ```ts
   * const y = slot.recomputed('model.layers.0.', weights, (xi, cs) => layer(0, xi, cs[0]), x, [mask]);
   * ```
   */
  recomputed(prefix: string, weights: ReadonlyMap<string, tf.Variable>, block: RecomputeBlock, x: tf.Tensor, consts: readonly tf.Tensor[]): tf.Tensor {
    const hook = this.current;
    const params = [...weights].filter(([k, v]) => k.startsWith(prefix) && v.trainable).map(([, v]) => v);
    params.push(...(hook?.variables?.(prefix) ?? []));
    const cursor = hook?.cursor?.get();
    const replay = () => {
      const outer = this.current;
      const now = hook?.cursor?.get();
      this.current = hook;
      if (cursor !== undefined) hook?.cursor?.set(cursor);
      return () => {
        this.current = outer;
        if (now !== undefined) hook?.cursor?.set(now);
      };
    };
    return recompute(block, x, params, consts, { replay });
  }
}
