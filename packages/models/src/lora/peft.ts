/**
 * LoRA adapters on disk in PEFT's format: `adapter_config.json` + `adapter_model.safetensors` with
 * keys `base_model.model.<module path>.lora_A.weight` [r, in] and `….lora_B.weight` [out, r], so
 * `PeftModel.from_pretrained(base, dir)` reads what agon writes, and the other way round.
 * llama2.c models keep q/k rows in the interleaved RoPE layout: their q/k `lora_B` rows are
 * permuted to the Hugging Face (halves) layout on save and back on load.
 */
import { nodeFs } from '../files/node-fs.js';
import { joinPath as join } from '../files/path.js';
import type { CausalLM } from '@agon/core';
import { interleavedToHalves } from '../arch/decoder-export.js';
import { isString, JsonFields, parseJsonObject } from '../config/fields.js';
import { nodeFolderIO, type FolderIO } from '../hf/folder.js';
import { writeFileAtomic } from '../safetensors/atomic.js';
import { parseSafetensors } from '../safetensors/parse.js';
import { encodeHostTensors, serializeSafetensors } from '../safetensors/serialize.js';
import { safetensorsWeightSource } from '../safetensors/source.js';
import type { HostTensor } from '../weights.js';
import { attachLora, LoraModel, type LoraConfig } from './lora-model.js';
import { adaptableModel, selectModules } from './targets.js';

/**
 * The adapter settings file of a PEFT folder.
 *
 * @example
 * ```ts
 * join(dir, ADAPTER_CONFIG); // 'dir/adapter_config.json'
 * ```
 */
export const ADAPTER_CONFIG = 'adapter_config.json';
/**
 * The adapter weights file of a PEFT folder.
 *
 * @example
 * ```ts
 * join(dir, ADAPTER_WEIGHTS); // 'dir/adapter_model.safetensors'
 * ```
 */
export const ADAPTER_WEIGHTS = 'adapter_model.safetensors';

/** The safetensors key prefix of a module in a PEFT adapter file. */
const PREFIX = 'base_model.model.';

/** Inverse of {@link interleavedToHalves}: new row 2i is old row i, new row 2i+1 is old row i + D/2. */
function halvesToInterleaved(t: HostTensor, headDim: number): HostTensor {
  const rows = t.shape[0];
  const cols = t.data.length / rows;
  const out = new Float32Array(t.data.length);
  const half = headDim / 2;
  for (let base = 0; base < rows; base += headDim) {
    for (let i = 0; i < half; i++) {
      out.set(t.data.subarray((base + i) * cols, (base + i + 1) * cols), (base + 2 * i) * cols);
      out.set(t.data.subarray((base + half + i) * cols, (base + half + i + 1) * cols), (base + 2 * i + 1) * cols);
    }
  }
  return { shape: [...t.shape], data: out };
}

/**
 * Options of {@link saveLoraAdapters}.
 *
 * @example
 * ```ts
 * const opts: SaveLoraOptions = { baseModelNameOrPath: 'HuggingFaceTB/SmolLM2-135M-Instruct' };
 * ```
 */
export interface SaveLoraOptions {
  /** Written as `base_model_name_or_path` (default null). */
  baseModelNameOrPath?: string;
}

/**
 * Writes `model`'s adapters to `dir` (created if needed) as {@link loraAdapterFiles} lists them,
 * each atomically.
 *
 * @example
 * ```ts
 * await saveLoraAdapters(lora, 'runs/a/adapter', { baseModelNameOrPath: 'models/SmolLM2-135M' });
 * const again = await loadLoraAdapters(base, 'runs/a/adapter');
 * ```
 */
export async function saveLoraAdapters(model: LoraModel, dir: string, opts: SaveLoraOptions = {}): Promise<void> {
  const files = await loraAdapterFiles(model, opts);
  await (await nodeFs(dir)).mkdir(dir, { recursive: true });
  for (const [name, data] of files) await writeFileAtomic(join(dir, name), data);
}

/**
 * `model`'s adapters as PEFT writes them, in the order to write them: `adapter_model.safetensors`
 * (F32), then `adapter_config.json` (r, lora_alpha, target_modules, lora_dropout, bias "none",
 * task_type "CAUSAL_LM", peft_type "LORA", …) last.
 *
 * @example
 * ```ts
 * const [[weightsName, bytes]] = await loraAdapterFiles(lora);
 * ```
 */
export async function loraAdapterFiles(model: LoraModel, opts: SaveLoraOptions = {}): Promise<[string, Uint8Array | string][]> {
  const tensors = new Map<string, HostTensor>();
  const layouts = new Set<boolean>();
  for (const [path, { A, B, module }] of model.adapters) {
    const a: HostTensor = { shape: [...A.shape], data: (await A.data()) as Float32Array };
    let b: HostTensor = { shape: [...B.shape], data: (await B.data()) as Float32Array };
    const d = module.ropeInterleavedHeadDim;
    if (d !== undefined) b = interleavedToHalves(b, d);
    layouts.add(module.fanInFanOut);
    tensors.set(`${PREFIX}${path}.lora_A.weight`, a);
    tensors.set(`${PREFIX}${path}.lora_B.weight`, b);
  }
  if (layouts.size > 1) throw new Error('loraAdapterFiles: the adapted modules mix [out, in] and [in, out] weights, which one adapter_config.json fan_in_fan_out cannot describe');
  const c = model.loraConfig;
  const config = {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: opts.baseModelNameOrPath ?? null,
    r: c.r,
    lora_alpha: c.alpha,
    lora_dropout: c.dropout,
    target_modules: c.targetModules,
    bias: 'none',
    fan_in_fan_out: layouts.has(true),
    use_rslora: c.rsLora,
    use_dora: false,
    init_lora_weights: true,
    inference_mode: false,
    modules_to_save: null,
    layers_to_transform: null,
    rank_pattern: {},
    alpha_pattern: {},
  };
  return [
    [ADAPTER_WEIGHTS, serializeSafetensors({ tensors: encodeHostTensors(tensors, 'F32'), metadata: { format: 'pt' } })],
    [ADAPTER_CONFIG, `${JSON.stringify(config, null, 2)}\n`],
  ];
}

/** Reads adapter_config.json into a {@link LoraConfig}, rejecting PEFT features agon does not implement. */
function parseAdapterConfig(f: JsonFields): LoraConfig {
  f.string('peft_type', ['LORA']);
  const r = f.optInteger('r', { min: 1 }) ?? 8;
  const alpha = f.optNumber('lora_alpha', { positive: true }) ?? 8;
  const dropout = f.optNumber('lora_dropout', { min: 0, below: 1 }) ?? 0;
  const targetsExpected = 'a non-empty list of module names or a regular expression';
  const targets = typeof f.raw('target_modules') === 'string' ? f.string('target_modules') : f.array('target_modules', targetsExpected, isString, { nonEmpty: true });
  f.optString('bias', ['none'], 'trained biases are not supported');
  if (f.optBoolean('use_dora')) throw f.fail('use_dora', 'false (DoRA is not supported)');
  for (const name of ['rank_pattern', 'alpha_pattern']) {
    const v = f.optObject(name);
    if (v && Object.keys(v.json).length > 0) throw f.fail(name, 'empty (per-module ranks are not supported)');
  }
  for (const name of ['modules_to_save', 'layers_to_transform', 'layers_pattern']) {
    const v = f.raw(name);
    if (v != null && !(Array.isArray(v) && v.length === 0)) throw f.fail(name, 'null (not supported)');
  }
  const rsLora = f.optBoolean('use_rslora') ?? false;
  return { r, alpha, dropout, rsLora, targetModules: targets };
}

/**
 * Reads a PEFT LoRA folder (`adapter_config.json` + `adapter_model.safetensors`, F32/F16/BF16) and
 * attaches it to `base` (an Adaptable model, as every architecture {@link loadModel} builds).
 * Every selected module must have both factors with the right shapes and the file must hold
 * nothing else; errors name the file, the key and the expected shape.
 *
 * @example
 * ```ts
 * const { model } = await loadModel('models/SmolLM2-135M');
 * const lora = await loadLoraAdapters(model, 'adapters/my-lora');
 * const reference = lora.withAdapters(false);
 * ```
 */
export async function loadLoraAdapters(base: CausalLM, dir: string, io: FolderIO = nodeFolderIO): Promise<LoraModel> {
  const configFile = join(dir, ADAPTER_CONFIG);
  const weightsFile = join(dir, ADAPTER_WEIGHTS);
  for (const f of [configFile, weightsFile]) {
    if (!(await io.exists(f))) throw new Error(`${dir}: not a PEFT LoRA folder (${f} not found)`);
  }
  const cfg = parseAdapterConfig(new JsonFields(parseJsonObject(await io.readFile(configFile), configFile), configFile));
  const adaptable = adaptableModel(base, 'loadLoraAdapters');
  const modules = selectModules(adaptable, cfg.targetModules ?? [], `${configFile}: field 'target_modules'`);
  const source = safetensorsWeightSource([parseSafetensors(await io.readFile(weightsFile), weightsFile)], weightsFile);
  const r = cfg.r ?? 8;
  const init = new Map<string, { A: HostTensor; B: HostTensor }>();
  const wanted = new Set<string>();
  for (const m of modules) {
    const kA = `${PREFIX}${m.path}.lora_A.weight`;
    const kB = `${PREFIX}${m.path}.lora_B.weight`;
    wanted.add(kA).add(kB);
    let B = source.get(kB, [m.outFeatures, r]);
    const d = m.ropeInterleavedHeadDim;
    if (d !== undefined) B = halvesToInterleaved(B, d);
    init.set(m.path, { A: source.get(kA, [r, m.inFeatures]), B });
  }
  const extra = source.keys().filter((k) => !wanted.has(k));
  if (extra.length > 0) {
    throw new Error(`${weightsFile}: ${extra.length} tensor(s) not selected by target_modules of ${configFile} (e.g. '${extra[0]}')`);
  }
  return attachLora(base, cfg, init);
}
