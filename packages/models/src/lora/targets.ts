/**
 * How LoRA target names select the linear modules an {@link Adaptable} model lists: the model's
 * short names (the Llama family's `q k v o gate up down`, GPT-2's mapping onto its Conv1D modules),
 * module names as PEFT writes them (`q_proj`, `c_attn`, `mlp.c_proj`: a name selects every module
 * whose path ends with `.<name>`), or one regular expression over whole paths.
 */
import type { CausalLM } from '@agon/core';
import { isAdaptable, type Adaptable, type LinearModule } from '../adaptable.js';

/**
 * A model LoRA can adapt: a {@link CausalLM} that implements {@link Adaptable}.
 *
 * @example
 * ```ts
 * const { model } = await loadModel(STORIES_260K);
 * const base: AdaptableModel = adaptableModel(model, 'attachLora');
 * ```
 */
export type AdaptableModel = CausalLM & Adaptable;

/**
 * `model` as an {@link AdaptableModel}, or an error naming its architecture and what it lacks.
 *
 * @example
 * ```ts
 * const base = adaptableModel(model, 'attachLora');
 * ```
 */
export function adaptableModel(model: CausalLM, where: string): AdaptableModel {
  if (isAdaptable(model)) return model;
  const cls = (model as object).constructor?.name;
  throw new Error(
    `${where}: the ${model.config.architecture} model${cls ? ` (${cls})` : ''} does not implement Adaptable (linearModules and withAdapterHook from @agon/models), so LoRA cannot wrap its linear modules`,
  );
}

/** How messages name `model`. */
function modelLabel(model: AdaptableModel): string {
  return `the ${model.config.architecture} model`;
}

/**
 * The modules `targets` select: short names, module names matched as PEFT does (equal to the path
 * or a `.`-suffix of it), or one string used as a regular expression that must match a whole path
 * (PEFT's string form of `target_modules`). A name that selects nothing is an error listing what
 * `model` has.
 *
 * @example
 * ```ts
 * selectModules(model, ['q', 'v']).map((m) => m.path); // ['model.layers.0.self_attn.q_proj', 'model.layers.0.self_attn.v_proj', …]
 * ```
 */
export function selectModules(model: AdaptableModel, targets: readonly string[] | string, where = 'LoRA target_modules'): LinearModule[] {
  const all = model.linearModules();
  if (all.length === 0) throw new Error(`${where}: ${modelLabel(model)} lists no linear module to adapt`);
  if (typeof targets === 'string') {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${targets})$`);
    } catch (e) {
      throw new Error(`${where}: '${targets}' is not a valid regular expression (${(e as Error).message})`);
    }
    const hit = all.filter((m) => re.test(m.path));
    if (hit.length === 0) throw new Error(`${where}: the pattern '${targets}' matches no linear module of ${modelLabel(model)} (e.g. '${all[0].path}')`);
    return hit;
  }
  const short = model.adapterShortNames ?? {};
  const kindsHere = [...new Set(all.map((m) => m.kind))].join(', ');
  const expected = [...Object.keys(short), `a module name (${kindsHere})`].join(', ');
  if (targets.length === 0) throw new Error(`${where}: expected at least one target module (${expected})`);
  const chosen = new Set<string>();
  for (const t of targets) {
    const kinds = Object.hasOwn(short, t) ? short[t] : undefined;
    const hit = kinds ? all.filter((m) => kinds.includes(m.kind)) : all.filter((m) => m.path === t || m.path.endsWith(`.${t}`));
    if (hit.length === 0) throw new Error(`${where}: '${t}' selects no linear module of ${modelLabel(model)}; expected one of ${expected}`);
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
 * peftTargetNames(model, selectModules(model, ['q', 'v'])); // ['q_proj', 'v_proj']
 * ```
 */
export function peftTargetNames(model: AdaptableModel, modules: readonly LinearModule[]): string[] {
  const allKinds = [...new Set(model.linearModules().map((m) => m.kind))];
  const leaf = (kind: string) => kind.slice(kind.lastIndexOf('.') + 1);
  const names = new Set<string>();
  for (const kind of new Set(modules.map((m) => m.kind))) {
    const unique = allKinds.filter((k) => leaf(k) === leaf(kind)).length === 1;
    names.add(unique ? leaf(kind) : kind);
  }
  return [...names].sort();
}
