/**
 * GPT2LMHeadModel: learned position embeddings, pre-LayerNorm blocks, GELU MLP, Conv1D weights
 * stored [in, out] (so x · W, no transpose), lm_head tied to wte.
 * Shapes: B batch, T new positions, Tk cached + new positions, C width, H heads, D head size,
 * I MLP width, V vocab.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM, ForwardOptions, KVCache, TokenLogprobDefaults, TokenLogprobOptions, TokenLogprobs } from '@agon/core';
import { attentionMask, gelu, layerNorm } from '@agon/tensor';
import type { HfExportable } from '../hf-exportable.js';
import { asLayerKVCache, LayerKVCache, type LayerKV } from '../kv-cache.js';
import { assertFinite, checkLayerCount, checkTiedHead, type HostTensor, type WeightSource } from '../weights.js';
import type { Gpt2Config } from '../config/types.js';
import { gpt2ConfigToHf, parseGpt2Config } from './gpt2-config.js';
import { AdapterSlot, linearModule, type Adaptable, type AdapterHook, type LinearModule } from '../adaptable.js';
import { headLogits, headLogprobs } from './head-logprobs.js';

/**
 * Every checkpoint key GPT-2 reads for `cfg` (with the `transformer.` prefix), with its shape.
 *
 * @example
 * ```ts
 * gpt2WeightShapes(cfg)[0]; // ['transformer.wte.weight', [V, C]]
 * ```
 */
export function gpt2WeightShapes(cfg: Gpt2Config): [string, number[]][] {
  const { hiddenSize: C, intermediateSize: I, vocabSize: V, maxPositions: P } = cfg;
  const out: [string, number[]][] = [
    ['transformer.wte.weight', [V, C]],
    ['transformer.wpe.weight', [P, C]],
  ];
  for (let l = 0; l < cfg.numLayers; l++) {
    const p = `transformer.h.${l}.`;
    out.push(
      [`${p}ln_1.weight`, [C]],
      [`${p}ln_1.bias`, [C]],
      [`${p}attn.c_attn.weight`, [C, 3 * C]],
      [`${p}attn.c_attn.bias`, [3 * C]],
      [`${p}attn.c_proj.weight`, [C, C]],
      [`${p}attn.c_proj.bias`, [C]],
      [`${p}ln_2.weight`, [C]],
      [`${p}ln_2.bias`, [C]],
      [`${p}mlp.c_fc.weight`, [C, I]],
      [`${p}mlp.c_fc.bias`, [I]],
      [`${p}mlp.c_proj.weight`, [I, C]],
      [`${p}mlp.c_proj.bias`, [C]],
    );
  }
  out.push(['transformer.ln_f.weight', [C]], ['transformer.ln_f.bias', [C]]);
  if (!cfg.tieWordEmbeddings) out.push(['lm_head.weight', [V, C]]);
  return out;
}

/** Keys that carry no weights: old checkpoints store the causal mask buffers; tied files may repeat wte. */
function ignorable(key: string, cfg: Gpt2Config): boolean {
  return /(^|\.)h\.\d+\.attn\.(masked_)?bias$/.test(key) || (cfg.tieWordEmbeddings && key === 'lm_head.weight');
}

let modelCounter = 0;

const GPT2_SHORT_NAMES: Readonly<Record<string, readonly string[]>> = {
  q: ['attn.c_attn'],
  k: ['attn.c_attn'],
  v: ['attn.c_attn'],
  o: ['attn.c_proj'],
  up: ['mlp.c_fc'],
  down: ['mlp.c_proj'],
};

/**
 * GPT-2 as a {@link CausalLM}. Variables are named `gpt2-<N>/<checkpoint key>` (tfjs names are
 * global); {@link Gpt2Model.weights} maps the checkpoint keys, always with the `transformer.` prefix
 * (files without it, as OpenAI's original export, load too).
 *
 * @example
 * ```ts
 * const model = new Gpt2Model(parseGpt2Config(configJson, 'config.json'), weights);
 * const { logits } = model.forward(tf.tensor2d([[15496, 995]], [1, 2], 'int32')); // [1, 2, V]
 * ```
 */
export class Gpt2Model implements CausalLM, HfExportable, Adaptable {
  readonly config: Gpt2Config;
  /** Checkpoint key → variable. */
  readonly weights: ReadonlyMap<string, tf.Variable>;
  /**
   * Short LoRA target names. q, k and v live in one fused Conv1D, so `q`, `k` and `v` all select
   * `attn.c_attn` (the whole fused projection, as PEFT's `target_modules: ["c_attn"]` does);
   * `o` → `attn.c_proj`, `up` → `mlp.c_fc`, `down` → `mlp.c_proj`; GPT-2 has no `gate`.
   */
  readonly adapterShortNames: Readonly<Record<string, readonly string[]>> = GPT2_SHORT_NAMES;
  /** The adapter hook of the forward pass in progress (LoRA, see lora/). */
  private readonly adapters = new AdapterSlot();
  /** Whether training-style forward passes (no cache) recompute each block in the backward pass. */
  private recomputeBlocks = false;
  private disposed = false;

  constructor(config: Gpt2Config, source: WeightSource) {
    this.config = config;
    // OpenAI's export has no `transformer.` prefix; read whichever the file uses.
    const prefix = source.has('transformer.wte.weight') || !source.has('wte.weight') ? '' : 'strip';
    const fileKey = (key: string) => (prefix === 'strip' && key.startsWith('transformer.') ? key.slice(12) : key);
    checkLayerCount(source, fileKey('transformer.h.'), config.numLayers, 'n_layer');
    if (config.tieWordEmbeddings) checkTiedHead(source, 'lm_head.weight', fileKey('transformer.wte.weight'));
    const expected = gpt2WeightShapes(config);
    const wanted = new Set(expected.map(([k]) => fileKey(k)));
    const extra = source.keys().filter((k) => !wanted.has(k) && !ignorable(k, config));
    if (extra.length > 0) {
      throw new Error(
        `${source.file}: ${extra.length} unexpected tensor(s) for GPT2LMHeadModel (e.g. '${extra.slice(0, 3).join("', '")}'); check config.json against the checkpoint`,
      );
    }
    const id = modelCounter++;
    const weights = new Map<string, tf.Variable>();
    try {
      for (const [key, shape] of expected) {
        const host = source.get(fileKey(key), shape); // names file, key, expected and found shape
        assertFinite(source.file, key, host.data);
        weights.set(key, tf.tidy(() => tf.variable(tf.tensor(host.data, shape, 'float32'), true, `gpt2-${id}/${key}`)));
      }
    } catch (e) {
      for (const v of weights.values()) v.dispose();
      throw e;
    }
    this.weights = weights;
  }

  private w(key: string): tf.Variable {
    const v = this.weights.get(key);
    if (!v) throw new Error(`Gpt2Model: no weight '${key}'`);
    return v;
  }

  /** Conv1D: x [N, in] · W [in, out] + b (+ adapter term) → [N, out]. */
  private conv1d(x: tf.Tensor2D, key: string): tf.Tensor2D {
    return this.adapters.apply(key, x, tf.add(tf.matMul(x, this.w(`${key}.weight`)), this.w(`${key}.bias`)));
  }

  /** LayerNorm over the last axis: (x − mean) / √(var + ε) · weight + bias (`layerNorm` of @agon/tensor: one kernel on cpu and wasm). */
  private layerNorm<T extends tf.Tensor>(x: T, key: string): T {
    return layerNorm(x, this.w(`${key}.weight`), this.w(`${key}.bias`), this.config.layerNormEps);
  }

  /** relu, or GELU (`gelu` of @agon/tensor: exact x·Φ(x), or gelu_new's tanh form). */
  private activation(x: tf.Tensor2D): tf.Tensor2D {
    if (this.config.activation === 'relu') return tf.relu(x);
    return gelu(x, this.config.activation === 'gelu' ? 'exact' : 'tanh');
  }

  private attention(l: number, x: tf.Tensor3D, mask: tf.Tensor | undefined, past?: LayerKV): { y: tf.Tensor3D; kv: LayerKV } {
    const { numHeads: H, headDim: D } = this.config;
    const [B, T, C] = x.shape;
    const p = `transformer.h.${l}.attn.`;
    const qkv = this.conv1d(tf.reshape(x, [B * T, C]), `${p}c_attn`); // [B·T, 3C]
    const heads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, T, H, D]), [0, 2, 1, 3]) as tf.Tensor4D; // [B,H,T,D]
    const [q, kNew, vNew] = tf.split(qkv, 3, 1).map(heads);
    const k = past ? tf.concat([past.k, kNew], 2) : kNew; // [B,H,Tk,D]
    const v = past ? tf.concat([past.v, vNew], 2) : vNew;
    let scores = tf.matMul(q, k, false, true); // [B,H,T,Tk]
    if (this.config.scaleAttnWeights) scores = tf.mul(scores, 1 / Math.sqrt(D));
    if (mask) scores = tf.add(scores, mask);
    const att = tf.matMul(tf.softmax(scores), v); // [B,H,T,D]
    const merged = tf.reshape(tf.transpose(att, [0, 2, 1, 3]), [B * T, C]) as tf.Tensor2D;
    return { y: tf.reshape(this.conv1d(merged, `${p}c_proj`), [B, T, C]), kv: { k, v } };
  }

  private mlp(l: number, x: tf.Tensor3D): tf.Tensor3D {
    const [B, T, C] = x.shape;
    const p = `transformer.h.${l}.mlp.`;
    const h = this.activation(this.conv1d(tf.reshape(x, [B * T, C]), `${p}c_fc`)); // [B·T, I]
    return tf.reshape(this.conv1d(h, `${p}c_proj`), [B, T, C]);
  }

  /** Block l: x + attention(ln_1(x)), then + mlp(ln_2(·)). */
  private block(l: number, x: tf.Tensor3D, mask: tf.Tensor | undefined, past?: LayerKV): { x: tf.Tensor3D; kv: LayerKV } {
    const { y, kv } = this.attention(l, this.layerNorm(x, `transformer.h.${l}.ln_1`), mask, past);
    const h = tf.add(x, y) as tf.Tensor3D;
    return { x: tf.add(h, this.mlp(l, this.layerNorm(h, `transformer.h.${l}.ln_2`))), kv };
  }

  /**
   * {@link Gpt2Model.block} without a cache, its intermediates recomputed in the backward pass
   * (see AdapterSlot.recomputed): differentiable in x, the block's trainable weights and the
   * adapter variables of the current hook; the hook and its dropout draws are replayed.
   */
  private recomputedBlock(l: number, x: tf.Tensor3D, mask: tf.Tensor | undefined): tf.Tensor3D {
    const block = (xi: tf.Tensor, cs: readonly tf.Tensor[]) => this.block(l, xi as tf.Tensor3D, cs[0]).x;
    return this.adapters.recomputed(`transformer.h.${l}.`, this.weights, block, x, mask ? [mask] : []) as tf.Tensor3D;
  }

  /**
   * Activation recomputation on or off (default off): when on, forward passes without a cache keep
   * only each block's input for the backward pass and run the block again there. Same values and
   * gradients; less memory, about one more forward pass of time.
   */
  setRecompute(on: boolean): void {
    this.recomputeBlocks = on;
  }

  /**
   * Logits [B, T, V] for ids [B, T]. With `opts.cache` the ids continue it and a new cache holding
   * them is returned (the one passed in is unchanged). `opts.positions` [B, T] picks the learned
   * position rows (for left padding); `opts.mask` is [B, Tk] keep-flags or an additive [B, 1, T, Tk].
   */
  forward(ids: tf.Tensor2D, opts: ForwardOptions = {}): { logits: tf.Tensor3D; cache?: KVCache } {
    const { hidden, cache } = this.forwardHidden(ids, opts, 'forward');
    const logits = headLogits(hidden, this.head(), opts.lastOnly);
    return cache ? { logits, cache } : { logits };
  }

  /** The output projection [V, C]: lm_head, or wte when tied. */
  private head(): tf.Variable {
    return this.w(this.config.tieWordEmbeddings ? 'transformer.wte.weight' : 'lm_head.weight');
  }

  /**
   * log p(targets) and entropies [B, T − offset] for ids [B, T] (the log-probs only with
   * `entropy: false`), from the hidden states in chunks (no [B, T, V] logits, forward or backward;
   * see linearTokenLogprobs in @agon/tensor).
   */
  tokenLogprobs<O extends TokenLogprobOptions = TokenLogprobDefaults>(ids: tf.Tensor2D, targets: tf.Tensor2D, opts?: O): TokenLogprobs<O> {
    return headLogprobs(this.forwardHidden(ids, {}, 'tokenLogprobs').hidden, this.head(), targets, opts);
  }

  /** The final layer-norm hidden states [B, T, C] (what the head reads), with forward's cache and mask handling. */
  private forwardHidden(ids: tf.Tensor2D, opts: ForwardOptions, caller: string): { hidden: tf.Tensor3D; cache?: KVCache } {
    if (this.disposed) throw new Error(`Gpt2Model.${caller}: the model was disposed`);
    const cfg = this.config;
    const [B, T] = ids.shape;
    const past = asLayerKVCache(opts.cache, cfg.numLayers, B);
    const P = past?.length ?? 0;
    if (!opts.positions && P + T > cfg.maxPositions) {
      throw new Error(`forward: ${P + T} positions exceed GPT-2's n_positions ${cfg.maxPositions}`);
    }
    const out = tf.tidy(() => {
      const positions = opts.positions ?? tf.tile(tf.reshape(tf.range(P, P + T, 1, 'int32'), [1, T]), [B, 1]);
      let mask: tf.Tensor | undefined;
      if (opts.mask?.rank === 4) mask = opts.mask;
      else if (opts.mask || T > 1) mask = attentionMask({ queryLength: T, keyLength: P + T, padding: opts.mask });
      let x = tf.add(tf.gather(this.w('transformer.wte.weight'), ids), tf.gather(this.w('transformer.wpe.weight'), positions)) as tf.Tensor3D; // [B,T,C]
      const kvs: tf.Tensor4D[] = [];
      for (let l = 0; l < cfg.numLayers; l++) {
        // One scope per block: only its output (and new cache entries) outlive it (see DecoderModel).
        const input = x;
        if (this.recomputeBlocks && !past) x = this.recomputedBlock(l, input, mask);
        else {
          const out = tf.tidy(() => {
            const o = this.block(l, input, mask, past?.layers[l]);
            return past ? [o.x, o.kv.k, o.kv.v] : [o.x];
          });
          x = out[0] as tf.Tensor3D;
          if (past) kvs.push(out[1] as tf.Tensor4D, out[2] as tf.Tensor4D);
        }
        input.dispose();
      }
      return { hidden: this.layerNorm(x, 'transformer.ln_f') as tf.Tensor3D, kvs };
    });
    if (!past) return { hidden: out.hidden };
    const layers: LayerKV[] = [];
    for (let l = 0; l < cfg.numLayers; l++) layers.push({ k: out.kvs[2 * l], v: out.kvs[2 * l + 1] });
    return { hidden: out.hidden, cache: new LayerKVCache(layers) };
  }

  /** Every Conv1D projection (weights stored [in, out]), in checkpoint order (LoRA, see lora/). */
  linearModules(): LinearModule[] {
    const re = /^transformer\.h\.\d+\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.weight$/;
    const out: LinearModule[] = [];
    for (const [key, weight] of this.weights) {
      const m = re.exec(key);
      if (m) out.push(linearModule(key.slice(0, -'.weight'.length), m[1], weight, true));
    }
    return out;
  }

  /** Runs `fn` with `hook` adding adapter terms to every Conv1D projection (LoRA, see lora/). */
  withAdapterHook<T>(hook: AdapterHook, fn: () => T): T {
    return this.adapters.run(hook, fn);
  }

  /** Every weight, in checkpoint order (all are trainable). */
  trainableVariables(): tf.Variable[] {
    return [...this.weights.values()];
  }

  /** config.json + weights keyed and laid out as in a Hugging Face GPT-2 checkpoint. */
  async exportHf(): Promise<{ config: Record<string, unknown>; tensors: Map<string, HostTensor> }> {
    const tensors = new Map<string, HostTensor>();
    for (const [key, v] of this.weights) tensors.set(key, { shape: [...v.shape], data: (await v.data()) as Float32Array });
    return { config: gpt2ConfigToHf(this.config), tensors };
  }

  /** Frees every variable. Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.weights.values()) v.dispose();
  }
}

/**
 * The registry builder for `GPT2LMHeadModel`: validates config.json, then loads the weights.
 *
 * @example
 * ```ts
 * const model = buildGpt2(JSON.parse(readFileSync('gpt2/config.json', 'utf8')), weights, { configFile: 'gpt2/config.json' });
 * ```
 */
export function buildGpt2(config: Readonly<Record<string, unknown>>, weights: WeightSource, ctx: { configFile: string }): Gpt2Model {
  return new Gpt2Model(parseGpt2Config(config, ctx.configFile), weights);
}
