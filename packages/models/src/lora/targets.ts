/**
 * Which linear projections of a model can carry a LoRA adapter, and how target names select them.
 *
 * Llama family (Llama, Qwen2, Qwen3, Mistral, llama2.c): `q k v o` → `self_attn.{q,k,v,o}_proj`,
 * `gate up down` → `mlp.{gate,up,down}_proj`.
 * GPT-2 stores q, k and v in one fused Conv1D, so `q`, `k` and `v` all select `attn.c_attn` (the
 * whole fused projection, as PEFT's `target_modules: ["c_attn"]` does); `o` → `attn.c_proj`,
 * `up` → `mlp.c_fc`, `down` → `mlp.c_proj`; GPT-2 has no `gate`.
 * Module names as PEFT writes them are accepted too (`q_proj`, `c_attn`, `mlp.c_proj`; a name
 * selects every module whose path ends with `.<name>`, so GPT-2's `c_proj` selects both).
 */
import * as tf from '@tensorflow/tfjs-core';
import { DecoderModel } from '../arch/decoder.js';
import { Gpt2Model } from '../arch/gpt2.js';

/**
 * A model LoRA can adapt: the Llama-family decoder or GPT-2.
 *
 * @example
 * ```ts
 * const { model } = await loadModel(STORIES_260K);
 * const base = model as AdaptableModel;
 * ```
 */
export type AdaptableModel = DecoderModel | Gpt2Model;

/**
 * One linear projection that can carry an adapter.
 *
 * @example
 * ```ts
 * const m: LinearModule = { path: 'model.layers.0.self_attn.q_proj', kind: 'self_attn.q_proj', inFeatures: 64, outFeatures: 64, weight, fanInFanOut: false };
 * ```
 */
export interface LinearModule {
  /** Full module path, the checkpoint key without `.weight`. */
  path: string;
  /** The path inside one block (`self_attn.q_proj`, `attn.c_attn`). */
  kind: string;
  inFeatures: number;
  outFeatures: number;
  /** The base weight variable. */
  weight: tf.Variable;
  /** True for GPT-2's Conv1D, whose weight is stored [in, out] (PEFT's `fan_in_fan_out`). */
  fanInFanOut: boolean;
}

const LLAMA_SHORT: Record<string, string[]> = {
  q: ['self_attn.q_proj'],
  k: ['self_attn.k_proj'],
  v: ['self_attn.v_proj'],
  o: ['self_attn.o_proj'],
  gate: ['mlp.gate_proj'],
  up: ['mlp.up_proj'],
  down: ['mlp.down_proj'],
};
const GPT2_SHORT: Record<string, string[]> = {
  q: ['attn.c_attn'],
  k: ['attn.c_attn'],
  v: ['attn.c_attn'],
  o: ['attn.c_proj'],
  up: ['mlp.c_fc'],
  down: ['mlp.c_proj'],
};

/**
 * How messages name `model`'s architecture.
 *
 * @example
 * ```ts
 * modelLabel(gpt2); // 'GPT-2'
 * ```
 */
export function modelLabel(model: AdaptableModel): string {
  return model instanceof Gpt2Model ? 'GPT-2' : `the ${model.config.architecture} decoder`;
}

/**
 * Every linear projection of `model` that can carry an adapter, in checkpoint order.
 *
 * @example
 * ```ts
 * linearModules(model).map((m) => m.path); // ['model.layers.0.self_attn.q_proj', …]
 * ```
 */
export function linearModules(model: AdaptableModel): LinearModule[] {
  const gpt2 = model instanceof Gpt2Model;
  const re = gpt2
    ? /^transformer\.h\.\d+\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.weight$/
    : /^model\.layers\.\d+\.(self_attn\.[qkvo]_proj|mlp\.(gate|up|down)_proj)\.weight$/;
  const out: LinearModule[] = [];
  for (const [key, weight] of model.weights) {
    const m = re.exec(key);
    if (!m) continue;
    const [a, b] = weight.shape;
    out.push({
      path: key.slice(0, -'.weight'.length),
      kind: m[1],
      inFeatures: gpt2 ? a : b,
      outFeatures: gpt2 ? b : a,
      weight,
      fanInFanOut: gpt2,
    });
  }
  return out;
}

/**
 * The modules `targets` select: short names (`q k v o gate up down`), module names matched as PEFT
 * does (equal to the path or a `.`-suffix of it), or one string used as a regular expression that
 * must match a whole path (PEFT's string form of `target_modules`). A name that selects nothing is
 * an error listing what `model` has.
 *
 * @example
 * ```ts
 * selectModules(model, ['q', 'v']).map((m) => m.path); // ['model.layers.0.self_attn.q_proj', 'model.layers.0.self_attn.v_proj', …]
 * ```
 */
export function selectModules(model: AdaptableModel, targets: readonly string[] | string, where = 'LoRA target_modules'): LinearModule[] {
  const all = linearModules(model);
  if (typeof targets === 'string') {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${targets})$`);
    } catch (e) {
      throw new Error(`${where}: '${targets}' is not a valid regular expression (${(e as Error).message})`);
    }
    const hit = all.filter((m) => re.test(m.path));
    if (hit.length === 0) throw new Error(`${where}: the pattern '${targets}' matches no linear module of ${modelLabel(model)} (e.g. '${all[0]?.path}')`);
    return hit;
  }
  if (targets.length === 0) throw new Error(`${where}: expected at least one target module (q, k, v, o, gate, up, down)`);
  const short = model instanceof Gpt2Model ? GPT2_SHORT : LLAMA_SHORT;
  const chosen = new Set<string>();
  for (const t of targets) {
    const kinds = Object.hasOwn(short, t) ? short[t] : undefined;
    const hit = kinds ? all.filter((m) => kinds.includes(m.kind)) : all.filter((m) => m.path === t || m.path.endsWith(`.${t}`));
    if (hit.length === 0) {
      const kindsHere = [...new Set(all.map((m) => m.kind))].join(', ');
      throw new Error(
        `${where}: '${t}' selects no linear module of ${modelLabel(model)}; expected one of ${Object.keys(short).join(', ')} or a module name (${kindsHere})`,
      );
    }
    for (const m of hit) chosen.add(m.path);
  }
  return all.filter((m) => chosen.has(m.path));
}

/**
 * Names for `adapter_config.json`'s `target_modules` that select exactly `modules` in PEFT: the last
 * path component when it is unique within a block (`q_proj`, `c_attn`), else the in-block path
 * (`attn.c_proj`, `mlp.c_proj`).
 *
 * @example
 * ```ts
 * peftTargetNames(selectModules(model, ['q', 'v'])); // ['q_proj', 'v_proj']
 * ```
 */
export function peftTargetNames(model: AdaptableModel, modules: readonly LinearModule[]): string[] {
  const allKinds = [...new Set(linearModules(model).map((m) => m.kind))];
  const leaf = (kind: string) => kind.slice(kind.lastIndexOf('.') + 1);
  const names = new Set<string>();
  for (const kind of new Set(modules.map((m) => m.kind))) {
    const unique = allKinds.filter((k) => leaf(k) === leaf(kind)).length === 1;
    names.add(unique ? leaf(kind) : kind);
  }
  return [...names].sort();
}
