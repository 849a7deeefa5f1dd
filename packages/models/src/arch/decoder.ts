/**
 * The Llama-family decoder shared by Llama 2/3, SmolLM, Qwen2, Qwen3, Mistral and llama2.c
 * checkpoints: RMSNorm, RoPE, grouped-query attention with a KV cache, SwiGLU MLP.
 * Shapes: B batch, T new positions, Tk cached + new positions, C width, H query heads,
 * Hkv key/value heads, D head size, I MLP width, V vocab.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM, ForwardOptions, KVCache, TokenLogprobDefaults, TokenLogprobOptions, TokenLogprobs } from '@agon/core';
import { fusedAttention, linear, rmsNorm, swiGlu, swiGluPacked } from '@agon/tensor';
import { asLayerKVCache, LayerKVCache, type LayerKV } from '../kv-cache.js';
import type { HfExportable } from '../hf-exportable.js';
import { assertFinite, checkLayerCount, checkTiedHead, type HostTensor, type WeightSource } from '../weights.js';
import type { DecoderConfig } from '../config/types.js';
import { causalMask } from './mask.js';
import { headLogits, headLogprobs } from './head-logprobs.js';
import { applyRope, ropeAngles, ropeConstants, ropeTables, type RopeAngles, type RopeTables } from './rope.js';
import { decoderExport, isRopeRotated } from './decoder-export.js';
import { AdapterSlot, linearModule, type Adaptable, type AdapterHook, type LinearModule } from '../adaptable.js';

/**
 * Every checkpoint key the decoder reads for `cfg`, with its shape, in file order. `lmHead: false`
 * leaves out `lm_head.weight` (a sequence-classification checkpoint has a `score` head instead).
 *
 * @example
 * ```ts
 * decoderWeightShapes(cfg)[0]; // ['model.embed_tokens.weight', [512, 64]]
 * ```
 */
export function decoderWeightShapes(cfg: DecoderConfig, lmHead = true): [string, number[]][] {
  const { hiddenSize: C, numHeads: H, numKvHeads: Hkv, headDim: D, intermediateSize: I, vocabSize: V } = cfg;
  const out: [string, number[]][] = [['model.embed_tokens.weight', [V, C]]];
  for (let l = 0; l < cfg.numLayers; l++) {
    const p = `model.layers.${l}.`;
    out.push([`${p}input_layernorm.weight`, [C]]);
    for (const [name, rows] of [['q', H * D], ['k', Hkv * D], ['v', Hkv * D]] as const) {
      out.push([`${p}self_attn.${name}_proj.weight`, [rows, C]]);
      if (cfg.qkvBias) out.push([`${p}self_attn.${name}_proj.bias`, [rows]]);
    }
    out.push([`${p}self_attn.o_proj.weight`, [C, H * D]]);
    if (cfg.oBias) out.push([`${p}self_attn.o_proj.bias`, [C]]);
    if (cfg.qkNorm) out.push([`${p}self_attn.q_norm.weight`, [D]], [`${p}self_attn.k_norm.weight`, [D]]);
    out.push(
      [`${p}post_attention_layernorm.weight`, [C]],
      [`${p}mlp.gate_proj.weight`, [I, C]],
      [`${p}mlp.up_proj.weight`, [I, C]],
      [`${p}mlp.down_proj.weight`, [C, I]],
    );
  }
  out.push(['model.norm.weight', [C]]);
  if (!cfg.tieWordEmbeddings && lmHead) out.push(['lm_head.weight', [V, C]]);
  return out;
}

/** Keys some exporters add that carry no weights (recomputed here) or repeat a tied table. */
function ignorable(key: string, cfg: DecoderConfig): boolean {
  return key.endsWith('.rotary_emb.inv_freq') || (cfg.tieWordEmbeddings && key === 'lm_head.weight');
}

let modelCounter = 0;

const LLAMA_SHORT_NAMES: Readonly<Record<string, readonly string[]>> = {
  q: ['self_attn.q_proj'],
  k: ['self_attn.k_proj'],
  v: ['self_attn.v_proj'],
  o: ['self_attn.o_proj'],
  gate: ['mlp.gate_proj'],
  up: ['mlp.up_proj'],
  down: ['mlp.down_proj'],
};

/**
 * How the model describes itself when saved (architecture name and model_type of config.json).
 *
 * @example
 * ```ts
 * const id: DecoderIdentity = { hfArchitecture: 'Qwen2ForCausalLM', modelType: 'qwen2' };
 * ```
 */
export interface DecoderIdentity {
  hfArchitecture: string;
  modelType: string;
}

/**
 * Positions from which the MLP stacks its gate and up weights into one product: stacking copies
 * both weights every pass, which a decoding step of a few rows would feel and a prefill or a
 * training batch does not.
 */
const PACKED_MLP_MIN_ROWS = 64;

/**
 * A Llama-family {@link CausalLM}. Its variables are named `m<N>/<checkpoint key>` (tfjs variable
 * names are global, so N tells two loaded models apart); {@link DecoderModel.weights} maps the
 * checkpoint keys themselves.
 *
 * @example
 * ```ts
 * const model = new DecoderModel(cfg, weights, { hfArchitecture: 'LlamaForCausalLM', modelType: 'llama' });
 * const { logits } = model.forward(tf.tensor2d([[1, 403]], [1, 2], 'int32')); // [1, 2, V]
 * ```
 */
export class DecoderModel implements CausalLM, HfExportable, Adaptable {
  readonly config: DecoderConfig;
  /** Checkpoint key → variable. */
  readonly weights: ReadonlyMap<string, tf.Variable>;
  /** Short LoRA target names: `q k v o` → `self_attn.{q,k,v,o}_proj`, `gate up down` → `mlp.{gate,up,down}_proj`. */
  readonly adapterShortNames: Readonly<Record<string, readonly string[]>> = LLAMA_SHORT_NAMES;
  private readonly identity: DecoderIdentity;
  private readonly rope: RopeTables;
  private readonly lmHead: boolean;
  /** The adapter hook of the forward pass in progress (LoRA, see lora/). */
  private readonly adapters = new AdapterSlot();
  /** Whether training-style forward passes (no cache) recompute each layer in the backward pass. */
  private recomputeLayers = false;
  private disposed = false;

  /**
   * `opts.lmHead: false` builds a headless decoder: no `lm_head.weight` is read and only
   * {@link DecoderModel.forwardHidden} works (sequence-classification models, see reward/).
   */
  constructor(config: DecoderConfig, source: WeightSource, identity: DecoderIdentity, opts: { lmHead?: boolean } = {}) {
    this.config = config;
    this.identity = identity;
    this.lmHead = opts.lmHead ?? true;
    checkLayerCount(source, 'model.layers.', config.numLayers, 'num_hidden_layers');
    if (config.tieWordEmbeddings) checkTiedHead(source, 'lm_head.weight', 'model.embed_tokens.weight');
    const expected = decoderWeightShapes(config, this.lmHead);
    const wanted = new Set(expected.map(([k]) => k));
    const extra = source.keys().filter((k) => !wanted.has(k) && !ignorable(k, config));
    if (extra.length > 0) {
      throw new Error(
        `${source.file}: ${extra.length} unexpected tensor(s) for ${identity.hfArchitecture} (e.g. '${extra.slice(0, 3).join("', '")}'); check config.json against the checkpoint`,
      );
    }
    const id = modelCounter++;
    const weights = new Map<string, tf.Variable>();
    try {
      for (const [key, shape] of expected) {
        const host = source.get(key, shape); // throws naming file, key, expected and found shape
        assertFinite(source.file, key, host.data);
        const t = tf.tensor(host.data, shape, 'float32');
        weights.set(key, tf.variable(t, true, `m${id}/${key}`));
        t.dispose();
      }
    } catch (e) {
      for (const v of weights.values()) v.dispose();
      throw e;
    }
    this.weights = weights;
    const rc = ropeConstants(config);
    this.rope = ropeTables(rc, config.maxPositions);
  }

  private w(key: string): tf.Variable {
    const v = this.weights.get(key);
    if (!v) throw new Error(`DecoderModel: no weight '${key}'`);
    return v;
  }

  /**
   * x [N, in] · W[out, in]ᵀ (+ bias) → [N, out] (linear in @agon/tensor).
   */
  private linear(x: tf.Tensor2D, key: string, bias: boolean): tf.Tensor2D {
    const y = linear(x, this.w(`${key}.weight`) as tf.Tensor2D);
    return this.adapters.apply(key, x, bias ? (tf.add(y, this.w(`${key}.bias`)) as tf.Tensor2D) : y);
  }

  /** RMSNorm over the last axis: x / sqrt(mean(x²) + ε) · weight. */
  private rmsNorm<T extends tf.Tensor>(x: T, key: string): T {
    return rmsNorm(x, this.w(key), this.config.rmsNormEps);
  }

  private attention(l: number, x: tf.Tensor3D, angles: RopeAngles, mask: tf.Tensor | undefined, past?: LayerKV): { y: tf.Tensor3D; kv: LayerKV } {
    const { numHeads: H, numKvHeads: Hkv, headDim: D, qkvBias } = this.config;
    const [B, T, C] = x.shape;
    const p = `model.layers.${l}.self_attn.`;
    const h = tf.reshape(x, [B * T, C]) as tf.Tensor2D;
    let q = tf.reshape(this.linear(h, `${p}q_proj`, qkvBias), [B, T, H, D]) as tf.Tensor4D;
    let k = tf.reshape(this.linear(h, `${p}k_proj`, qkvBias), [B, T, Hkv, D]) as tf.Tensor4D;
    const vNew = tf.reshape(this.linear(h, `${p}v_proj`, qkvBias), [B, T, Hkv, D]);
    if (this.config.qkNorm) {
      q = this.rmsNorm(q, `${p}q_norm.weight`);
      k = this.rmsNorm(k, `${p}k_norm.weight`);
    }
    q = applyRope(q, angles);
    k = applyRope(k, angles);
    // [B,T,Hkv,D] → [B,Hkv,T,D]; for one position (a decoding step) the same bytes, so a reshape.
    const headsFirst = (t: tf.Tensor) => (T === 1 ? tf.reshape(t, [B, Hkv, 1, D]) : tf.transpose(t, [0, 2, 1, 3])) as tf.Tensor4D;
    let kAll = headsFirst(k);
    let vAll = headsFirst(vNew);
    if (past) {
      kAll = tf.concat([past.k, kAll], 2); // [B,Hkv,Tk,D]
      vAll = tf.concat([past.v, vAll], 2);
    }
    // softmax(q·kᵀ/√D + mask)·v over grouped KV heads, [B,T,H,D] in and out: on cpu/wasm one fused
    // kernel whose gradient recomputes the probabilities, so no [B,H,T,Tk] tensor is kept for backward.
    const att = fusedAttention(q, kAll, vAll, mask); // [B,T,H,D]
    const merged = tf.reshape(att, [B * T, H * D]) as tf.Tensor2D;
    const y = tf.reshape(this.linear(merged, `${p}o_proj`, this.config.oBias), [B, T, C]) as tf.Tensor3D;
    return { y, kv: { k: kAll, v: vAll } };
  }

  /**
   * SwiGLU: down(silu(gate(x)) · up(x)). Without adapters and over at least
   * {@link PACKED_MLP_MIN_ROWS} positions, gate and up are one product with the two weights
   * stacked ([W_gate; W_up]; the same values): one larger GEMM each way, which the kernel threads
   * split, and no Add of two input gradients.
   */
  private mlp(l: number, x: tf.Tensor3D): tf.Tensor3D {
    const [B, T, C] = x.shape;
    const p = `model.layers.${l}.mlp.`;
    const h = tf.reshape(x, [B * T, C]) as tf.Tensor2D;
    const act = this.adapters.current || B * T < PACKED_MLP_MIN_ROWS
      ? swiGlu(this.linear(h, `${p}gate_proj`, false), this.linear(h, `${p}up_proj`, false))
      : swiGluPacked(linear(h, tf.concat([this.w(`${p}gate_proj.weight`), this.w(`${p}up_proj.weight`)], 0) as tf.Tensor2D));
    return tf.reshape(this.linear(act, `${p}down_proj`, false), [B, T, C]);
  }

  /** Decoder layer l: x + attention(norm(x)), then + mlp(norm(·)). */
  private layer(l: number, x: tf.Tensor3D, angles: RopeAngles, mask: tf.Tensor | undefined, past?: LayerKV): { x: tf.Tensor3D; kv: LayerKV } {
    const { y, kv } = this.attention(l, this.rmsNorm(x, `model.layers.${l}.input_layernorm.weight`), angles, mask, past);
    const h = tf.add(x, y) as tf.Tensor3D;
    return { x: tf.add(h, this.mlp(l, this.rmsNorm(h, `model.layers.${l}.post_attention_layernorm.weight`))), kv };
  }

  /**
   * {@link DecoderModel.layer} without a cache, its intermediates recomputed in the backward pass
   * (see AdapterSlot.recomputed): differentiable in x, the layer's trainable weights and the
   * adapter variables of the current hook; the hook and its dropout draws are replayed.
   */
  private recomputedLayer(l: number, x: tf.Tensor3D, angles: RopeAngles, mask: tf.Tensor | undefined): tf.Tensor3D {
    const consts = mask ? [angles.cos, angles.sin, mask] : [angles.cos, angles.sin];
    const block = (xi: tf.Tensor, cs: readonly tf.Tensor[]) =>
      this.layer(l, xi as tf.Tensor3D, { cos: cs[0] as tf.Tensor4D, sin: cs[1] as tf.Tensor4D, layout: angles.layout }, cs[2]).x;
    return this.adapters.recomputed(`model.layers.${l}.`, this.weights, block, x, consts) as tf.Tensor3D;
  }

  /**
   * Activation recomputation on or off (default off): when on, forward passes without a cache keep
   * only each layer's input for the backward pass and run the layer again there. Same values and
   * gradients; less memory, about one more forward pass of time.
   */
  setRecompute(on: boolean): void {
    this.recomputeLayers = on;
  }

  /**
   * Logits [B, T, V] for ids [B, T]. With `opts.cache` the ids continue it and a new cache holding
   * them is returned (the one passed in is unchanged). Causality and the sliding window count cache
   * slots; `opts.positions` changes only the RoPE angles (for left padding).
   */
  forward(ids: tf.Tensor2D, opts: ForwardOptions = {}): { logits: tf.Tensor3D; cache?: KVCache } {
    const { hidden, cache } = this.forwardHidden(ids, opts, 'forward');
    const logits = headLogits(hidden, this.head(), opts.lastOnly);
    return cache ? { logits, cache } : { logits };
  }

  /** The output projection [V, C]: lm_head, or the embedding table when tied. */
  private head(): tf.Variable {
    return this.w(this.config.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight');
  }

  /**
   * log p(targets) and entropies [B, T − offset] for ids [B, T] (the log-probs only with
   * `entropy: false`), from the hidden states in chunks (no [B, T, V] logits, forward or backward;
   * see linearTokenLogprobs in @agon/tensor).
   */
  tokenLogprobs<O extends TokenLogprobOptions = TokenLogprobDefaults>(ids: tf.Tensor2D, targets: tf.Tensor2D, opts?: O): TokenLogprobs<O> {
    return headLogprobs(this.forwardHidden(ids, {}, 'tokenLogprobs').hidden, this.head(), targets, opts);
  }

  /** Every attention and MLP projection, in checkpoint order (LoRA, see lora/). */
  linearModules(): LinearModule[] {
    const re = /^model\.layers\.\d+\.(self_attn\.[qkvo]_proj|mlp\.(gate|up|down)_proj)\.weight$/;
    const out: LinearModule[] = [];
    for (const [key, weight] of this.weights) {
      const m = re.exec(key);
      if (!m) continue;
      const module = linearModule(key.slice(0, -'.weight'.length), m[1], weight);
      if (this.config.ropeLayout === 'interleaved' && isRopeRotated(key)) module.ropeInterleavedHeadDim = this.config.headDim;
      out.push(module);
    }
    return out;
  }

  /** Runs `fn` with `hook` adding adapter terms to every linear projection (LoRA, see lora/). */
  withAdapterHook<T>(hook: AdapterHook, fn: () => T): T {
    return this.adapters.run(hook, fn);
  }

  /**
   * The final-norm hidden states [B, T, C] for ids [B, T] (what lm_head or a `score` head reads),
   * with the same cache, positions and mask handling as {@link DecoderModel.forward}.
   */
  forwardHidden(ids: tf.Tensor2D, opts: ForwardOptions = {}, caller = 'forwardHidden'): { hidden: tf.Tensor3D; cache?: KVCache } {
    if (this.disposed) throw new Error(`DecoderModel.${caller}: the model was disposed`);
    if (!this.lmHead && caller !== 'forwardHidden') {
      throw new Error(`DecoderModel.${caller}: this model has no lm_head (a sequence-classification body); use forwardHidden`);
    }
    const cfg = this.config;
    const [B, T] = ids.shape;
    const past = asLayerKVCache(opts.cache, cfg.numLayers, B);
    const P = past?.length ?? 0;
    if (P + T > this.rope.limit) {
      throw new Error(`forward: ${P + T} positions exceed the RoPE tables (${this.rope.limit}, twice max_position_embeddings ${cfg.maxPositions})`);
    }
    const out = tf.tidy(() => {
      const positions = opts.positions ?? (tf.tile(tf.reshape(tf.range(P, P + T, 1, 'int32'), [1, T]), [B, 1]) as tf.Tensor2D);
      const angles = ropeAngles(positions, this.rope);
      const mask =
        opts.mask !== undefined && opts.mask.rank === 4
          ? opts.mask
          : causalMask(T, P, opts.mask, cfg.slidingWindow);
      let x = tf.gather(this.w('model.embed_tokens.weight'), ids) as tf.Tensor3D; // [B,T,C]
      const kvs: tf.Tensor4D[] = [];
      for (let l = 0; l < cfg.numLayers; l++) {
        // One scope per layer: only its output (and new cache entries) outlive it, so a pass without
        // a gradient tape holds one layer's intermediates at a time (under a tape, each op keeps its
        // own copies of what its gradient needs).
        const input = x;
        if (this.recomputeLayers && !past) x = this.recomputedLayer(l, input, angles, mask);
        else {
          const out = tf.tidy(() => {
            const o = this.layer(l, input, angles, mask, past?.layers[l]);
            return past ? [o.x, o.kv.k, o.kv.v] : [o.x];
          });
          x = out[0] as tf.Tensor3D;
          if (past) kvs.push(out[1] as tf.Tensor4D, out[2] as tf.Tensor4D);
        }
        input.dispose();
      }
      return { hidden: this.rmsNorm(x, 'model.norm.weight'), kvs };
    });
    if (!past) return { hidden: out.hidden };
    const layers: LayerKV[] = [];
    for (let l = 0; l < cfg.numLayers; l++) layers.push({ k: out.kvs[2 * l], v: out.kvs[2 * l + 1] });
    return { hidden: out.hidden, cache: new LayerKVCache(layers) };
  }

  /** Every weight, in checkpoint order (all are trainable). */
  trainableVariables(): tf.Variable[] {
    return [...this.weights.values()];
  }

  /** config.json + weights in Hugging Face layout (q/k rows permuted if this model is interleaved). */
  exportHf(): Promise<{ config: Record<string, unknown>; tensors: Map<string, HostTensor> }> {
    return decoderExport(this.config, this.weights, this.identity);
  }

  /** Frees every variable and constant. Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.weights.values()) v.dispose();
    const r = this.rope;
    tf.dispose([r.cosLo, r.sinLo, r.cosHi, r.sinHi, r.sign]);
  }
}
