/**
 * llama2.c checkpoints: the v0 ("legacy", run.c) format and the v1 ("ak42") export, read into a
 * {@link WeightSource} keyed with Hugging Face names. Weights keep llama2.c's interleaved RoPE
 * layout (`config.ropeLayout === 'interleaved'`); `exportHf` / the converter permute q/k rows.
 *
 * v0: 7 int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size — negative when the
 * classifier is not shared — and seq_len), then float32 tensors: token embedding, then per kind all
 * layers (rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3), rms_final, the RoPE tables
 * freq_cis_real/imag [seq_len, head_size/2] (ignored), and wcls when not shared.
 * v1: uint32 magic 0x616b3432 ("ak42"), int32 version 1, the 7 ints, uint8 shared-classifier flag,
 * zeros up to 256 bytes; then rms_att ×L, rms_ffn ×L, rms_final, embedding, wq ×L, wk, wv, wo, w1,
 * w2, w3, and wcls when not shared.
 */
import type { DecoderConfig } from '../config/types.js';
import { weightSource, type HostTensor, type WeightSource } from '../weights.js';

/** `ak42` read as a little-endian uint32: the magic of llama2.c's versioned exports. */
export const LLAMA2C_MAGIC = 0x616b3432;
/** Bounds that keep a hostile header from asking for absurd allocations before the size check. */
const MAX_DIM = 1 << 16;
const MAX_LAYERS = 1024;
const MAX_VOCAB = 1 << 22;
const MAX_SEQ = 1 << 20;

/**
 * A parsed llama2.c checkpoint.
 *
 * @example
 * ```ts
 * const ckpt = parseLlama2cCheckpoint(bytes, 'stories260K.bin');
 * console.log(ckpt.version, ckpt.config.numLayers, ckpt.weights.keys().length);
 * ```
 */
export interface Llama2cCheckpoint {
  /** 0 for the legacy header, 1 for "ak42" version 1. */
  version: 0 | 1;
  /** Resolved decoder config (RMSNorm ε 1e-5, θ 10000, interleaved RoPE, as run.c). */
  config: DecoderConfig;
  /** Weights keyed by Hugging Face names, in llama2.c's interleaved q/k row layout. */
  weights: WeightSource;
}

interface Header {
  version: 0 | 1;
  headerBytes: number;
  dim: number;
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  vocab: number;
  seq: number;
  shared: boolean;
}

function readHeader(bytes: Uint8Array, file: string): Header {
  if (bytes.byteLength < 28) {
    throw new Error(`${file}: truncated llama2.c checkpoint: ${bytes.byteLength} bytes, the header alone needs 28`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 0;
  let version: 0 | 1 = 0;
  if (dv.getUint32(0, true) === LLAMA2C_MAGIC) {
    const v = dv.getInt32(4, true);
    if (v !== 1) {
      throw new Error(`${file}: field 'version' of the ak42 header is ${v}; only version 1 (float32) is supported (version 2 is int8-quantized)`);
    }
    if (bytes.byteLength < 256) throw new Error(`${file}: truncated llama2.c v1 checkpoint: ${bytes.byteLength} bytes, the header needs 256`);
    version = 1;
    off = 8;
  }
  const names = ['dim', 'hidden_dim', 'n_layers', 'n_heads', 'n_kv_heads', 'vocab_size', 'seq_len'] as const;
  const raw = names.map((_, i) => dv.getInt32(off + 4 * i, true));
  const [dim, hidden, layers, heads, kvHeads, vocabSigned, seq] = raw;
  const vocab = Math.abs(vocabSigned);
  const limits = [MAX_DIM, MAX_DIM * 16, MAX_LAYERS, MAX_DIM, MAX_DIM, MAX_VOCAB, MAX_SEQ];
  names.forEach((name, i) => {
    const v = i === 5 ? vocab : raw[i];
    if (!(v >= 1 && v <= limits[i])) {
      throw new Error(`${file}: header field '${name}' is ${raw[i]}; expected 1..${limits[i]}${version === 0 ? ' (is this a llama2.c checkpoint?)' : ''}`);
    }
  });
  if (dim % heads !== 0) throw new Error(`${file}: header field 'dim' (${dim}) is not a multiple of 'n_heads' (${heads})`);
  if (heads % kvHeads !== 0) throw new Error(`${file}: header field 'n_heads' (${heads}) is not a multiple of 'n_kv_heads' (${kvHeads})`);
  if ((dim / heads) % 2 !== 0) throw new Error(`${file}: head size dim/n_heads = ${dim / heads} must be even for RoPE`);
  let shared = vocabSigned > 0;
  if (version === 1) {
    const flag = bytes[off + 28];
    if (flag > 1) throw new Error(`${file}: header field 'shared_classifier' is ${flag}; expected 0 or 1`);
    shared = flag === 1;
  }
  return { version, headerBytes: version === 1 ? 256 : 28, dim, hidden, layers, heads, kvHeads, vocab, seq, shared };
}

/** The tensors of the file in order: [name, per-layer?, shape]; 'skip' entries are read past. */
function layout(h: Header): [string, boolean, number[]][] {
  const kv = h.kvHeads * (h.dim / h.heads);
  const perLayer: Record<string, number[]> = {
    rms_att: [h.dim], wq: [h.dim, h.dim], wk: [kv, h.dim], wv: [kv, h.dim], wo: [h.dim, h.dim],
    rms_ffn: [h.dim], w1: [h.hidden, h.dim], w2: [h.dim, h.hidden], w3: [h.hidden, h.dim],
  };
  const L = (n: string): [string, boolean, number[]] => [n, true, perLayer[n]];
  const half = h.dim / h.heads / 2;
  const order: [string, boolean, number[]][] =
    h.version === 0
      ? [['emb', false, [h.vocab, h.dim]], ...['rms_att', 'wq', 'wk', 'wv', 'wo', 'rms_ffn', 'w1', 'w2', 'w3'].map(L),
         ['rms_final', false, [h.dim]], ['skip', false, [h.seq, half]], ['skip', false, [h.seq, half]]]
      : [L('rms_att'), L('rms_ffn'), ['rms_final', false, [h.dim]], ['emb', false, [h.vocab, h.dim]],
         ...['wq', 'wk', 'wv', 'wo', 'w1', 'w2', 'w3'].map(L)];
  if (!h.shared) order.push(['wcls', false, [h.vocab, h.dim]]);
  return order;
}

/** llama2.c tensor name (+ layer) → Hugging Face key. */
function hfKey(name: string, layer: number): string {
  const p = `model.layers.${layer}.`;
  const map: Record<string, string> = {
    emb: 'model.embed_tokens.weight', rms_final: 'model.norm.weight', wcls: 'lm_head.weight',
    rms_att: `${p}input_layernorm.weight`, rms_ffn: `${p}post_attention_layernorm.weight`,
    wq: `${p}self_attn.q_proj.weight`, wk: `${p}self_attn.k_proj.weight`, wv: `${p}self_attn.v_proj.weight`,
    wo: `${p}self_attn.o_proj.weight`, w1: `${p}mlp.gate_proj.weight`, w2: `${p}mlp.down_proj.weight`,
    w3: `${p}mlp.up_proj.weight`,
  };
  return map[name];
}

/**
 * Parses a llama2.c checkpoint (v0 or v1) held in memory. Rejects, with an error naming `file` and
 * the field: a truncated file, a bad version, absurd or inconsistent dimensions, and a file whose
 * size differs from what the header implies.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * const { config, weights } = parseLlama2cCheckpoint(readFileSync('stories260K.bin'), 'stories260K.bin');
 * ```
 */
export function parseLlama2cCheckpoint(bytes: Uint8Array, file: string): Llama2cCheckpoint {
  const h = readHeader(bytes, file);
  const order = layout(h);
  let floats = 0;
  for (const [, perLayer, shape] of order) floats += (perLayer ? h.layers : 1) * shape.reduce((a, b) => a * b, 1);
  const expected = h.headerBytes + 4 * floats;
  if (bytes.byteLength !== expected) {
    throw new Error(
      `${file}: file size is ${bytes.byteLength} bytes but the v${h.version} header (dim ${h.dim}, hidden_dim ${h.hidden}, n_layers ${h.layers}, n_heads ${h.heads}, n_kv_heads ${h.kvHeads}, vocab_size ${h.vocab}, seq_len ${h.seq}, shared_classifier ${h.shared}) implies ${expected}`,
    );
  }
  // Copy out of the file buffer: it may sit at an offset that is not 4-aligned (Node's Buffer pool),
  // and Buffer#slice would not copy.
  const body = new Uint8Array(bytes.byteLength - h.headerBytes);
  body.set(bytes.subarray(h.headerBytes));
  const all = new Float32Array(body.buffer);
  const tensors = new Map<string, HostTensor>();
  let at = 0;
  for (const [name, perLayer, shape] of order) {
    const size = shape.reduce((a, b) => a * b, 1);
    for (let l = 0; l < (perLayer ? h.layers : 1); l++) {
      if (name !== 'skip') tensors.set(hfKey(name, l), { shape, data: all.subarray(at, at + size) });
      at += size;
    }
  }
  const config: DecoderConfig = {
    architecture: 'llama',
    vocabSize: h.vocab,
    hiddenSize: h.dim,
    numLayers: h.layers,
    numHeads: h.heads,
    numKvHeads: h.kvHeads,
    headDim: h.dim / h.heads,
    maxPositions: h.seq,
    intermediateSize: h.hidden,
    rmsNormEps: 1e-5,
    ropeTheta: 10000,
    ropeLayout: 'interleaved',
    tieWordEmbeddings: h.shared,
    qkvBias: false,
    oBias: false,
    qkNorm: false,
  };
  return { version: h.version, config, weights: weightSource(file, tensors) };
}
