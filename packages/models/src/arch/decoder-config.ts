/**
 * The resolved configuration of the Llama-family decoder (Llama 2/3, SmolLM, Qwen2, Qwen3, Mistral
 * and llama2.c checkpoints), and how it is read from a Hugging Face `config.json`.
 */
import type { ModelConfig } from '@agon/core';
import type { HfConfigJson } from '../architectures.js';

/**
 * `llama3` rope scaling (Llama 3.1/3.2): low frequencies are divided by `factor`, high ones kept,
 * the band between smoothly interpolated. `linear` divides every frequency by `factor`.
 *
 * @example
 * ```ts
 * const rs: RopeScaling = { type: 'llama3', factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192 };
 * ```
 */
export type RopeScaling =
  | { type: 'linear'; factor: number }
  | {
      type: 'llama3';
      factor: number;
      lowFreqFactor: number;
      highFreqFactor: number;
      originalMaxPositions: number;
    };

/**
 * Everything the shared decoder needs; the fields beyond {@link ModelConfig} switch the family's
 * variations on and off.
 *
 * @example
 * ```ts
 * const cfg: DecoderConfig = { architecture: 'llama', vocabSize: 512, hiddenSize: 64, numLayers: 5,
 *   numHeads: 8, numKvHeads: 4, headDim: 8, maxPositions: 512, intermediateSize: 172, rmsNormEps: 1e-5,
 *   ropeTheta: 10000, ropeLayout: 'interleaved', tieWordEmbeddings: true, qkvBias: false, oBias: false,
 *   qkNorm: false };
 * ```
 */
export interface DecoderConfig extends ModelConfig {
  /** Width of the SwiGLU hidden layer. */
  intermediateSize: number;
  /** ε inside every RMSNorm (llama2.c: 1e-5). */
  rmsNormEps: number;
  /** RoPE base θ (default 10000). */
  ropeTheta: number;
  /** Frequency rescaling for long contexts; absent = none. */
  ropeScaling?: RopeScaling;
  /**
   * Which dimensions RoPE rotates together: `interleaved` pairs (2i, 2i+1) as llama2.c run.c does, or
   * `halves` (i, i + D/2) as Hugging Face `rotate_half` does. Same maths, q/k rows permuted.
   */
  ropeLayout: 'interleaved' | 'halves';
  /** lm_head reuses the embedding table. */
  tieWordEmbeddings: boolean;
  /** q/k/v projections have biases (Qwen2; Llama with `attention_bias`). */
  qkvBias: boolean;
  /** o_proj has a bias (Llama with `attention_bias`). */
  oBias: boolean;
  /** RMSNorm over D on q and k before RoPE (Qwen3). */
  qkNorm: boolean;
  /** Keys further back than this many positions are hidden (Mistral); absent = none. */
  slidingWindow?: number;
}

type Json = HfConfigJson;

function bad(file: string, field: string, expected: string, found: unknown): Error {
  return new Error(`${file}: field '${field}' must be ${expected} (found ${JSON.stringify(found)})`);
}

/**
 * Reads a positive integer field of `config`, or `fallback` when it is absent.
 *
 * @example
 * ```ts
 * const layers = positiveInt({ num_hidden_layers: 2 }, 'num_hidden_layers', 'config.json');
 * ```
 */
export function positiveInt(config: Json, field: string, file: string, fallback?: number): number {
  const v = config[field];
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new Error(`${file}: missing field '${field}' (expected a positive integer)`);
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw bad(file, field, 'a positive integer', v);
  return v;
}

function positiveNumber(config: Json, field: string, file: string, fallback: number, name = field): number {
  const v = config[field];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw bad(file, name, 'a positive number', v);
  return v;
}

function bool(config: Json, field: string, file: string, fallback: boolean): boolean {
  const v = config[field];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw bad(file, field, 'true or false', v);
  return v;
}

/** The RoPE types agon implements; any other changes the maths and is refused. */
const ROPE_TYPES = ["'default'", "'linear'", "'llama3'"].join(', ');

/** Fields a RoPE settings object may hold without changing the maths agon computes. */
const ROPE_PARAMS_KNOWN = new Set([
  'rope_type',
  'type',
  'rope_theta',
  'factor',
  'low_freq_factor',
  'high_freq_factor',
  'original_max_position_embeddings',
  'partial_rotary_factor',
]);

function requiredPositive(r: Json, field: string, where: string, file: string): number {
  const v = r[field];
  if (v === undefined || v === null) throw new Error(`${file}: missing field '${where}.${field}' (expected a positive number)`);
  return positiveNumber(r, field, file, NaN, `${where}.${field}`);
}

function requiredPositiveInt(r: Json, field: string, where: string, file: string): number {
  const v = r[field];
  if (v === undefined || v === null) throw new Error(`${file}: missing field '${where}.${field}' (expected a positive integer)`);
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw bad(file, `${where}.${field}`, 'a positive integer', v);
  return v;
}

/**
 * Reads one RoPE settings object: transformers 5's `rope_parameters` (theta inside it) or the
 * legacy `rope_scaling` (theta at the top level). Types and fields agon does not implement are
 * errors naming the field, never a silent fallback to plain RoPE.
 */
function ropeSettings(r: Json, where: string, file: string): { theta?: number; scaling?: RopeScaling } {
  for (const key of Object.keys(r)) {
    const v = r[key];
    if (v !== null && typeof v === 'object') {
      throw bad(file, `${where}.${key}`, 'a number or string (per-layer-type RoPE settings are not supported)', v);
    }
  }
  const type = r['rope_type'] ?? r['type'] ?? 'default';
  if (type !== 'default' && type !== 'linear' && type !== 'llama3') {
    throw bad(file, `${where}.rope_type`, `one of ${ROPE_TYPES} (agon implements no other RoPE type)`, type);
  }
  const partial = r['partial_rotary_factor'];
  if (partial !== undefined && partial !== null && partial !== 1) {
    throw bad(file, `${where}.partial_rotary_factor`, '1 (partial rotary embeddings are not supported)', partial);
  }
  for (const key of Object.keys(r)) {
    if (!ROPE_PARAMS_KNOWN.has(key)) {
      throw bad(file, `${where}.${key}`, `absent (a field agon does not implement for rope_type '${type}')`, r[key]);
    }
  }
  const out: { theta?: number; scaling?: RopeScaling } = {};
  if (r['rope_theta'] !== undefined && r['rope_theta'] !== null) {
    out.theta = positiveNumber(r, 'rope_theta', file, NaN, `${where}.rope_theta`);
  }
  if (type === 'default') return out;
  const factor = requiredPositive(r, 'factor', where, file);
  if (type === 'linear') {
    out.scaling = { type, factor };
    return out;
  }
  out.scaling = {
    type,
    factor,
    lowFreqFactor: requiredPositive(r, 'low_freq_factor', where, file),
    highFreqFactor: requiredPositive(r, 'high_freq_factor', where, file),
    originalMaxPositions: requiredPositiveInt(r, 'original_max_position_embeddings', where, file),
  };
  return out;
}

function objectField(config: Json, field: string, file: string): Json | undefined {
  const v = config[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw bad(file, field, 'an object or null', v);
  return v as Json;
}

function sameScaling(a: RopeScaling | undefined, b: RopeScaling | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * θ and scaling from either layout of `config.json`: transformers 5 writes `rope_parameters`
 * (`rope_type`, `rope_theta`, …) and no top-level `rope_theta`/`rope_scaling`; older versions write
 * those two. Both present must agree.
 */
function ropeOf(config: Json, file: string): { theta: number; scaling?: RopeScaling } {
  const legacyTheta = positiveNumber(config, 'rope_theta', file, NaN);
  const legacyScaling = objectField(config, 'rope_scaling', file);
  const legacy = legacyScaling ? ropeSettings(legacyScaling, 'rope_scaling', file) : {};
  if (legacy.theta !== undefined && !Number.isNaN(legacyTheta) && legacy.theta !== legacyTheta) {
    throw bad(file, 'rope_scaling.rope_theta', `equal to rope_theta (${legacyTheta})`, legacy.theta);
  }
  const paramsJson = objectField(config, 'rope_parameters', file);
  const params = paramsJson ? ropeSettings(paramsJson, 'rope_parameters', file) : undefined;
  const theta = params?.theta ?? (Number.isNaN(legacyTheta) ? legacy.theta : legacyTheta) ?? 10000;
  if (params) {
    if (!Number.isNaN(legacyTheta) && params.theta !== undefined && params.theta !== legacyTheta) {
      throw bad(file, 'rope_parameters.rope_theta', `equal to rope_theta (${legacyTheta}) when both are given`, params.theta);
    }
    if (legacyScaling && !sameScaling(params.scaling, legacy.scaling)) {
      throw bad(file, 'rope_parameters', 'the same RoPE scaling as rope_scaling when both are given', paramsJson);
    }
  }
  const scaling = params ? params.scaling : legacy.scaling;
  return scaling ? { theta, scaling } : { theta };
}

/**
 * The most positions a config may claim: RoPE tables are precomputed on the host for twice
 * `max_position_embeddings` (16M covers every released Llama-family context, 10M at most).
 */
export const MAX_POSITIONS = 1 << 24;

function maxPositions(config: Json, file: string): number {
  const n = positiveInt(config, 'max_position_embeddings', file, 2048);
  if (n > MAX_POSITIONS) throw bad(file, 'max_position_embeddings', `at most ${MAX_POSITIONS} (RoPE tables are precomputed for twice this many positions)`, n);
  return n;
}

/**
 * Per-architecture defaults that differ from Llama's (as in the transformers config classes).
 *
 * @example
 * ```ts
 * const qwen3: FamilyDefaults = { architecture: 'qwen3', headDim: 128, qkNorm: true };
 * ```
 */
export interface FamilyDefaults {
  architecture: string;
  /** Default of `head_dim` when absent: undefined = hidden_size / num_attention_heads. */
  headDim?: number;
  qkvBias?: boolean;
  qkNorm?: boolean;
  rmsNormEps?: number;
  tieWordEmbeddings?: boolean;
  /** Read `sliding_window` (Mistral; Qwen2 only when `use_sliding_window`). */
  slidingWindow?: boolean;
}

/**
 * Reads a Llama-family `config.json` object into a {@link DecoderConfig}, with errors naming the
 * file, the field and what was expected.
 *
 * @example
 * ```ts
 * const cfg = parseDecoderConfig(JSON.parse(text), 'model/config.json', { architecture: 'llama' });
 * ```
 */
export function parseDecoderConfig(config: Json, file: string, family: FamilyDefaults): DecoderConfig {
  const act = config['hidden_act'] ?? 'silu';
  if (act !== 'silu') throw bad(file, 'hidden_act', "'silu'", act);
  const hiddenSize = positiveInt(config, 'hidden_size', file);
  const numHeads = positiveInt(config, 'num_attention_heads', file);
  const numKvHeads = positiveInt(config, 'num_key_value_heads', file, numHeads);
  if (numHeads % numKvHeads !== 0) {
    throw bad(file, 'num_key_value_heads', `a divisor of num_attention_heads (${numHeads})`, numKvHeads);
  }
  const defaultHeadDim = family.headDim ?? hiddenSize / numHeads;
  const headDim = positiveInt(config, 'head_dim', file, Number.isInteger(defaultHeadDim) ? defaultHeadDim : undefined);
  if (headDim % 2 !== 0) throw bad(file, 'head_dim', 'even (RoPE rotates pairs)', headDim);
  const attentionBias = bool(config, 'attention_bias', file, false);
  if (bool(config, 'mlp_bias', file, false)) throw bad(file, 'mlp_bias', 'false (MLP biases are not supported)', true);
  let slidingWindow: number | undefined;
  if (family.slidingWindow && config['sliding_window'] != null && bool(config, 'use_sliding_window', file, true)) {
    slidingWindow = positiveInt(config, 'sliding_window', file);
  }
  const rope = ropeOf(config, file);
  const partial = config['partial_rotary_factor'];
  if (partial !== undefined && partial !== null && partial !== 1) {
    throw bad(file, 'partial_rotary_factor', '1 (partial rotary embeddings are not supported)', partial);
  }
  const cfg: DecoderConfig = {
    architecture: family.architecture,
    vocabSize: positiveInt(config, 'vocab_size', file),
    hiddenSize,
    numLayers: positiveInt(config, 'num_hidden_layers', file),
    numHeads,
    numKvHeads,
    headDim,
    maxPositions: maxPositions(config, file),
    intermediateSize: positiveInt(config, 'intermediate_size', file),
    rmsNormEps: positiveNumber(config, 'rms_norm_eps', file, family.rmsNormEps ?? 1e-6),
    ropeTheta: rope.theta,
    ropeLayout: 'halves',
    tieWordEmbeddings: bool(config, 'tie_word_embeddings', file, family.tieWordEmbeddings ?? false),
    qkvBias: family.qkvBias ?? attentionBias,
    oBias: family.qkvBias === undefined && attentionBias,
    qkNorm: family.qkNorm ?? false,
  };
  if (rope.scaling) cfg.ropeScaling = rope.scaling;
  if (slidingWindow !== undefined) cfg.slidingWindow = slidingWindow;
  return cfg;
}

/**
 * Writes `cfg` back as a Hugging Face `config.json` object that {@link parseDecoderConfig} reads
 * to the same config (RoPE layout aside: saved weights are always in the `halves` layout).
 *
 * @example
 * ```ts
 * const json = decoderConfigToHf(cfg, 'LlamaForCausalLM', 'llama');
 * ```
 */
export function decoderConfigToHf(cfg: DecoderConfig, architecture: string, modelType: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    architectures: [architecture],
    model_type: modelType,
    vocab_size: cfg.vocabSize,
    hidden_size: cfg.hiddenSize,
    intermediate_size: cfg.intermediateSize,
    num_hidden_layers: cfg.numLayers,
    num_attention_heads: cfg.numHeads,
    num_key_value_heads: cfg.numKvHeads,
    head_dim: cfg.headDim,
    max_position_embeddings: cfg.maxPositions,
    rms_norm_eps: cfg.rmsNormEps,
    rope_theta: cfg.ropeTheta,
    hidden_act: 'silu',
    tie_word_embeddings: cfg.tieWordEmbeddings,
    attention_bias: cfg.oBias,
    torch_dtype: 'float32',
  };
  const rs = cfg.ropeScaling;
  if (rs?.type === 'linear') out['rope_scaling'] = { rope_type: 'linear', factor: rs.factor };
  if (rs?.type === 'llama3') {
    out['rope_scaling'] = {
      rope_type: 'llama3',
      factor: rs.factor,
      low_freq_factor: rs.lowFreqFactor,
      high_freq_factor: rs.highFreqFactor,
      original_max_position_embeddings: rs.originalMaxPositions,
    };
  }
  if (cfg.slidingWindow !== undefined) out['sliding_window'] = cfg.slidingWindow;
  return out;
}
