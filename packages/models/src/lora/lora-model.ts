/**
 * LoRA (Hu et al. 2021) on any {@link Adaptable} architecture: each selected projection y = W·x gets
 * y + (alpha / r)·B·A·x with A [r, in] and B [out, r] trainable and W frozen. A starts
 * kaiming-uniform and B at zero, as PEFT does, so a fresh adapter changes nothing.
 * Shapes: N rows (B·T), r rank, in/out the projection's widths.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM, ForwardOptions, KVCache, ModelConfig } from '@agon/core';
import { createRng } from '@agon/tensor';
import type { AdapterHook, LinearModule } from '../adaptable.js';
import { JsonFields } from '../config/fields.js';
import type { JsonObject } from '../config/types.js';
import type { HostTensor } from '../weights.js';
import { adaptableModel, peftTargetNames, selectModules, type AdaptableModel } from './targets.js';

/**
 * What to adapt and how.
 *
 * @example
 * ```ts
 * const cfg: LoraConfig = { r: 8, alpha: 16, targetModules: ['q', 'k', 'v', 'o'], dropout: 0.05, seed: 1 };
 * ```
 */
export interface LoraConfig {
  /** Rank r of every adapter. Default 8 (PEFT's). */
  r?: number;
  /** The adapter term is scaled by alpha / r (alpha / √r with `rsLora`). Default 8 (PEFT's). */
  alpha?: number;
  /**
   * Projections to adapt: `q k v o gate up down`, module names (`q_proj`, `c_attn`), or one regular
   * expression matching whole module paths. Default `['q', 'v']` (PEFT's default for Llama and GPT-2).
   * See lora/targets.ts for GPT-2's mapping.
   */
  targetModules?: readonly string[] | string;
  /** Dropout on the adapter's input, only while {@link LoraModel.setTraining} is on. Default 0. */
  dropout?: number;
  /** Seed of A's kaiming-uniform initialisation and of the dropout masks. Default 0. */
  seed?: number;
  /** Rank-stabilised scale alpha / √r (PEFT's `use_rslora`). Default false. */
  rsLora?: boolean;
}

/**
 * A resolved {@link LoraConfig}: every default filled in, targets as PEFT names.
 *
 * @example
 * ```ts
 * const c: ResolvedLoraConfig = { r: 8, alpha: 16, dropout: 0, seed: 0, rsLora: false, targetModules: ['q_proj', 'v_proj'] };
 * ```
 */
export interface ResolvedLoraConfig {
  r: number;
  alpha: number;
  dropout: number;
  seed: number;
  rsLora: boolean;
  /** As `adapter_config.json` writes them (`q_proj`, `attn.c_proj`). */
  targetModules: string[];
}

/**
 * One adapter: the projection it sits on and its two factors.
 *
 * @example
 * ```ts
 * const { A, B } = lora.adapters.get('model.layers.0.self_attn.q_proj')!; // A [r, in], B [out, r]
 * ```
 */
export interface LoraAdapter {
  module: LinearModule;
  /** Shape [r, in]: PEFT's `lora_A.weight`. */
  A: tf.Variable;
  /** Shape [out, r]: PEFT's `lora_B.weight`. */
  B: tf.Variable;
}

/**
 * State shared by a LoRA model and its adapters-off view (internal; build models with {@link attachLora}).
 *
 * @example
 * ```ts
 * // internal: attachLora() creates it
 * ```
 */
export interface Shared {
  base: AdaptableModel;
  /** The base model's trainable variables, frozen while adapters are attached. */
  frozen: tf.Variable[];
  config: ResolvedLoraConfig;
  scale: number;
  adapters: Map<string, LoraAdapter>;
  training: boolean;
  dropoutCalls: number;
  disposed: boolean;
  views: Map<boolean, LoraModel>;
}

let loraCounter = 0;

/** Fills in defaults and validates `cfg` (errors name the field). */
function resolve(cfg: LoraConfig): Omit<ResolvedLoraConfig, 'targetModules'> & { targets: readonly string[] | string } {
  const f = new JsonFields(cfg as JsonObject, 'LoRA config');
  return {
    r: f.optInteger('r', { min: 1 }) ?? 8,
    alpha: f.optNumber('alpha', { positive: true }) ?? 8,
    dropout: f.optNumber('dropout', { min: 0, below: 1 }) ?? 0,
    seed: f.optInteger('seed') ?? 0,
    rsLora: f.optBoolean('rsLora') ?? false,
    targets: cfg.targetModules ?? ['q', 'v'],
  };
}

/** PEFT's init of A: kaiming_uniform(a = √5) = U(−1/√in, 1/√in), from a seeded stream. */
function kaimingA(r: number, inFeatures: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const bound = 1 / Math.sqrt(inFeatures);
  const out = new Float32Array(r * inFeatures);
  for (let i = 0; i < out.length; i++) out[i] = (2 * rng.next() - 1) * bound;
  return out;
}

/**
 * Initial factors for some modules (loaded adapters), keyed by module path.
 *
 * @example
 * ```ts
 * const init: LoraInit = new Map([['model.layers.0.self_attn.q_proj', { A: hostA, B: hostB }]]);
 * ```
 */
export type LoraInit = ReadonlyMap<string, { A: HostTensor; B: HostTensor }>;

/**
 * A model with LoRA adapters. It owns the base model from {@link attachLora} on: the base's weights
 * are frozen (not trainable) while adapters are attached; {@link LoraModel.merge} or
 * {@link LoraModel.detach} hand the base back. `withAdapters(false)` is a view of the same
 * variables with adapters off: the reference model, at no extra memory.
 *
 * @example
 * ```ts
 * const { model } = await loadModel(STORIES_260K);
 * const lora = attachLora(model, { r: 4, alpha: 8, targetModules: ['q', 'v'] });
 * lora.trainableVariables(); // only the A and B factors
 * const reference = lora.withAdapters(false);
 * ```
 */
export class LoraModel implements CausalLM {
  private readonly shared: Shared;
  /** Whether this view adds the adapter terms. */
  readonly enabled: boolean;

  /** Use {@link attachLora} or {@link loadLoraAdapters}. */
  constructor(shared: Shared, enabled: boolean) {
    this.shared = shared;
    this.enabled = enabled;
    const { base } = shared;
    const logprobs = base.tokenLogprobs?.bind(base);
    if (logprobs) {
      this.tokenLogprobs = (ids, targets, opts) => {
        const s = this.live('tokenLogprobs');
        return this.adapted(s, () => logprobs(ids, targets, opts));
      };
    }
    const recompute = base.setRecompute?.bind(base);
    if (recompute) {
      this.setRecompute = (on) => {
        this.live('setRecompute');
        recompute(on);
      };
    }
  }

  /** The base model's config. */
  get config(): ModelConfig {
    return this.shared.base.config;
  }

  /** The resolved adapter settings. */
  get loraConfig(): ResolvedLoraConfig {
    return this.shared.config;
  }

  /** alpha / r (or alpha / √r with rsLora): the factor on every adapter term. */
  get scale(): number {
    return this.shared.scale;
  }

  /** Module path → adapter, in checkpoint order. */
  get adapters(): ReadonlyMap<string, LoraAdapter> {
    return this.shared.adapters;
  }

  /** The wrapped model (its weights are frozen while adapters are attached). */
  get base(): AdaptableModel {
    return this.shared.base;
  }

  private live(what: string): Shared {
    if (this.shared.disposed) throw new Error(`LoraModel.${what}: the adapters were disposed, merged or detached`);
    return this.shared;
  }

  /** Adapter dropout on (training) or off (evaluation, the default). Shared by both views. */
  setTraining(on: boolean): void {
    this.live('setTraining').training = on;
  }

  private hook(): AdapterHook {
    const s = this.shared;
    const hook = (x: tf.Tensor2D, module: string): tf.Tensor2D | undefined => {
      const a = s.adapters.get(module);
      if (!a) return undefined;
      let h = x;
      if (s.training && s.config.dropout > 0) {
        const p = s.config.dropout;
        const keep = tf.cast(tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, 'float32', s.config.seed * 7919 + ++s.dropoutCalls), p), 'float32');
        h = tf.mul(x, tf.mul(keep, 1 / (1 - p)));
      }
      // x [N, in] · Aᵀ [in, r] → [N, r], scaled there (r ≪ out), · Bᵀ [r, out] → [N, out]. The
      // small factors are transposed explicitly: matMul's transposeB is slower on cpu/wasm.
      return tf.matMul(tf.mul(tf.matMul(h, tf.transpose(a.A)), s.scale), tf.transpose(a.B)) as tf.Tensor2D;
    };
    return Object.assign(hook, {
      variables: (prefix: string) => [...s.adapters].filter(([path]) => path.startsWith(prefix)).flatMap(([, a]) => [a.A, a.B]),
      cursor: { get: () => s.dropoutCalls, set: (n: number) => void (s.dropoutCalls = n) },
    });
  }

  /** Logits [B, T, V]; with adapters on, every adapted projection adds (alpha/r)·B·A·x. */
  forward(ids: tf.Tensor2D, opts?: ForwardOptions): { logits: tf.Tensor3D; cache?: KVCache } {
    const s = this.live('forward');
    return this.adapted(s, () => s.base.forward(ids, opts));
  }

  /**
   * Token log-probs and entropies without [B, T, V] logits, adapters as in {@link LoraModel.forward};
   * present when the base model has `tokenLogprobs`.
   */
  readonly tokenLogprobs?: CausalLM['tokenLogprobs'];

  /**
   * Activation recomputation in the base model's layers, shared by both views; present when the
   * base model has `setRecompute`. Dropout masks are replayed exactly in the recomputation.
   */
  readonly setRecompute?: (on: boolean) => void;

  /** `fn` (a pass of the base model) with the adapter terms added when this view has them on. */
  private adapted<T>(s: Shared, fn: () => T): T {
    return this.enabled ? s.base.withAdapterHook(this.hook(), fn) : fn();
  }

  /** With adapters on: every A and B, module by module. The adapters-off view trains nothing: []. */
  trainableVariables(): tf.Variable[] {
    const s = this.live('trainableVariables');
    if (!this.enabled) return [];
    return [...s.adapters.values()].flatMap((a) => [a.A, a.B]);
  }

  /** The view with adapters on or off; both share every variable (no copy). */
  withAdapters(enabled: boolean): LoraModel {
    const s = this.live('withAdapters');
    let view = s.views.get(enabled);
    if (!view) {
      view = new LoraModel(s, enabled);
      s.views.set(enabled, view);
    }
    return view;
  }

  /**
   * Folds the adapters into the base weights (W += scale·B·A; weights stored [in, out], as GPT-2's
   * Conv1D, get the transpose), frees the adapters and returns the base model, trainable again. Both views
   * stop working.
   */
  merge(): AdaptableModel {
    const s = this.live('merge');
    for (const { module, A, B } of s.adapters.values()) {
      tf.tidy(() => {
        const delta = tf.mul(tf.matMul(B, A), s.scale); // [out, in]
        module.weight.assign(tf.add(module.weight, module.fanInFanOut ? tf.transpose(delta) : delta));
      });
    }
    return this.detach();
  }

  /** Frees the adapters without merging and returns the base model, trainable again. */
  detach(): AdaptableModel {
    const s = this.live('detach');
    s.disposed = true;
    for (const { A, B } of s.adapters.values()) tf.dispose([A, B]);
    for (const v of s.frozen) v.trainable = true;
    return s.base;
  }

  /** Frees the adapters and the base model. On the adapters-off view (a borrowed view) it does nothing. */
  dispose(): void {
    if (!this.enabled || this.shared.disposed) return;
    this.detach().dispose();
  }
}

/**
 * Attaches LoRA adapters to an {@link Adaptable} model (every built-in architecture from
 * {@link loadModel}, or one added with `registerArchitecture` that implements it) and freezes its
 * weights. A model that is not Adaptable is an error naming its architecture. `init` gives loaded
 * factors for some modules (see {@link loadLoraAdapters}).
 *
 * @example
 * ```ts
 * const { model, tokenizer } = await loadModel(STORIES_260K);
 * const lora = attachLora(model, { r: 8, alpha: 16, targetModules: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] });
 * const opt = tf.train.adam(1e-3);
 * opt.minimize(() => loss(lora), false, lora.trainableVariables());
 * ```
 */
export function attachLora(model: CausalLM, cfg: LoraConfig = {}, init?: LoraInit): LoraModel {
  if (model instanceof LoraModel) throw new Error('attachLora: the model already has LoRA adapters (merge or detach them first)');
  const base = adaptableModel(model, 'attachLora');
  const { targets, ...rest } = resolve(cfg);
  const modules = selectModules(base, targets);
  const id = loraCounter++;
  const adapters = new Map<string, LoraAdapter>();
  const { r } = rest;
  try {
    modules.forEach((module, i) => {
      const given = init?.get(module.path);
      if (given && (given.A.data.length !== r * module.inFeatures || given.B.data.length !== module.outFeatures * r)) {
        throw new Error(`attachLora: initial factors of '${module.path}' must be A [${r}, ${module.inFeatures}] and B [${module.outFeatures}, ${r}]`);
      }
      const A = given?.A.data ?? kaimingA(r, module.inFeatures, (rest.seed + i * 0x9e3779b1) | 0);
      const B = given?.B.data ?? new Float32Array(module.outFeatures * r);
      const v = (data: Float32Array, shape: number[], name: string) =>
        tf.tidy(() => tf.variable(tf.tensor(data, shape, 'float32'), true, `lora${id}/${module.path}.${name}.weight`));
      adapters.set(module.path, { module, A: v(A, [r, module.inFeatures], 'lora_A'), B: v(B, [module.outFeatures, r], 'lora_B') });
    });
  } catch (e) {
    for (const a of adapters.values()) tf.dispose([a.A, a.B]);
    throw e;
  }
  const frozen = base.trainableVariables();
  for (const v of frozen) v.trainable = false;
  const shared: Shared = {
    base,
    frozen,
    config: { ...rest, targetModules: peftTargetNames(base, modules) },
    scale: rest.rsLora ? rest.alpha / Math.sqrt(r) : rest.alpha / r,
    adapters,
    training: false,
    dropoutCalls: 0,
    disposed: false,
    views: new Map(),
  };
  const lora = new LoraModel(shared, true);
  shared.views.set(true, lora);
  return lora;
}
