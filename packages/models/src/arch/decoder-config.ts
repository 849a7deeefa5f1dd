/**
 * How the Llama-family decoder's configuration (Llama 2/3, SmolLM, Qwen2, Qwen3, Mistral and
 * llama2.c checkpoints; the type is in config/types.ts) is read from a Hugging Face `config.json`
 * and written back.
 */
import { JsonFields } from '../config/fields.js';
import type { DecoderConfig, FamilyDefaults, HfConfigJson, RopeScaling } from '../config/types.js';

const POSITIVE = { positive: true } as const;
const COUNT = { min: 1 } as const;

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

/**
 * Reads one RoPE settings object: transformers 5's `rope_parameters` (theta inside it) or the
 * legacy `rope_scaling` (theta at the top level). Types and fields agon does not implement are
 * errors naming the field, never a silent fallback to plain RoPE.
 */
function ropeSettings(r: JsonFields): { theta?: number; scaling?: RopeScaling } {
  for (const key of Object.keys(r.json)) {
    const v = r.json[key];
    if (v !== null && typeof v === 'object') throw r.fail(key, 'a number or string (per-layer-type RoPE settings are not supported)');
  }
  const type = r.raw('rope_type') ?? r.raw('type') ?? 'default';
  if (type !== 'default' && type !== 'linear' && type !== 'llama3') {
    throw r.fail('rope_type', `one of ${ROPE_TYPES} (agon implements no other RoPE type)`, type);
  }
  if (r.has('partial_rotary_factor') && r.raw('partial_rotary_factor') !== 1) {
    throw r.fail('partial_rotary_factor', '1 (partial rotary embeddings are not supported)');
  }
  for (const key of Object.keys(r.json)) {
    if (!ROPE_PARAMS_KNOWN.has(key)) throw r.fail(key, `absent (a field agon does not implement for rope_type '${type}')`);
  }
  const out: { theta?: number; scaling?: RopeScaling } = {};
  const theta = r.optNumber('rope_theta', POSITIVE);
  if (theta !== undefined) out.theta = theta;
  if (type === 'default') return out;
  const factor = r.number('factor', POSITIVE);
  if (type === 'linear') {
    out.scaling = { type, factor };
    return out;
  }
  out.scaling = {
    type,
    factor,
    lowFreqFactor: r.number('low_freq_factor', POSITIVE),
    highFreqFactor: r.number('high_freq_factor', POSITIVE),
    originalMaxPositions: r.integer('original_max_position_embeddings', COUNT),
  };
  return out;
}

function sameScaling(a: RopeScaling | undefined, b: RopeScaling | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * θ and scaling from either layout of `config.json`: transformers 5 writes `rope_parameters`
 * (`rope_type`, `rope_theta`, …) and no top-level `rope_theta`/`rope_scaling`; older versions write
 * those two. Both present must agree.
 */
function ropeOf(f: JsonFields): { theta: number; scaling?: RopeScaling } {
  const legacyTheta = f.optNumber('rope_theta', POSITIVE);
  const legacyScaling = f.optObject('rope_scaling');
  const legacy = legacyScaling ? ropeSettings(legacyScaling) : {};
  if (legacy.theta !== undefined && legacyTheta !== undefined && legacy.theta !== legacyTheta) {
    throw f.fail('rope_scaling.rope_theta', `equal to rope_theta (${legacyTheta})`, legacy.theta);
  }
  const paramsJson = f.optObject('rope_parameters');
  const params = paramsJson ? ropeSettings(paramsJson) : undefined;
  const theta = params?.theta ?? legacyTheta ?? legacy.theta ?? 10000;
  if (params) {
    if (legacyTheta !== undefined && params.theta !== undefined && params.theta !== legacyTheta) {
      throw f.fail('rope_parameters.rope_theta', `equal to rope_theta (${legacyTheta}) when both are given`, params.theta);
    }
    if (legacyScaling && !sameScaling(params.scaling, legacy.scaling)) {
      throw f.fail('rope_parameters', 'the same RoPE scaling as rope_scaling when both are given');
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

function maxPositions(f: JsonFields): number {
  const n = f.optInteger('max_position_embeddings', COUNT) ?? 2048;
  if (n > MAX_POSITIONS) throw f.fail('max_position_embeddings', `at most ${MAX_POSITIONS} (RoPE tables are precomputed for twice this many positions)`);
  return n;
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
export function parseDecoderConfig(config: HfConfigJson, file: string, family: FamilyDefaults): DecoderConfig {
  const f = new JsonFields(config, file);
  f.optString('hidden_act', ['silu']);
  const hiddenSize = f.integer('hidden_size', COUNT);
  const numHeads = f.integer('num_attention_heads', COUNT);
  const numKvHeads = f.optInteger('num_key_value_heads', COUNT) ?? numHeads;
  if (numHeads % numKvHeads !== 0) throw f.fail('num_key_value_heads', `a divisor of num_attention_heads (${numHeads})`);
  const defaultHeadDim = family.headDim ?? hiddenSize / numHeads;
  const headDim = Number.isInteger(defaultHeadDim) ? (f.optInteger('head_dim', COUNT) ?? defaultHeadDim) : f.integer('head_dim', COUNT);
  if (headDim % 2 !== 0) throw f.fail('head_dim', 'even (RoPE rotates pairs)', headDim);
  const attentionBias = f.optBoolean('attention_bias') ?? false;
  if (f.optBoolean('mlp_bias')) throw f.fail('mlp_bias', 'false (MLP biases are not supported)');
  let slidingWindow: number | undefined;
  if (family.slidingWindow && f.has('sliding_window') && (f.optBoolean('use_sliding_window') ?? true)) {
    slidingWindow = f.integer('sliding_window', COUNT);
  }
  const rope = ropeOf(f);
  if (f.has('partial_rotary_factor') && f.raw('partial_rotary_factor') !== 1) {
    throw f.fail('partial_rotary_factor', '1 (partial rotary embeddings are not supported)');
  }
  const cfg: DecoderConfig = {
    architecture: family.architecture,
    vocabSize: f.integer('vocab_size', COUNT),
    hiddenSize,
    numLayers: f.integer('num_hidden_layers', COUNT),
    numHeads,
    numKvHeads,
    headDim,
    maxPositions: maxPositions(f),
    intermediateSize: f.integer('intermediate_size', COUNT),
    rmsNormEps: f.optNumber('rms_norm_eps', POSITIVE) ?? family.rmsNormEps ?? 1e-6,
    ropeTheta: rope.theta,
    ropeLayout: 'halves',
    tieWordEmbeddings: f.optBoolean('tie_word_embeddings') ?? family.tieWordEmbeddings ?? false,
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
