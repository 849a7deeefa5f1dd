/**
 * Rotary position embeddings for the Llama family. cos/sin come from two small float64-accurate
 * host tables combined in the graph by the angle-addition formulas (position p = hi·K + lo), not
 * from tf.cos/tf.sin: WebGPU's sin/cos are only accurate to ~2e-4 (SwiftShader), enough to move
 * logits by 1e-3, and the tables stay small for any context length (K + max/K rows).
 */
import * as tf from '@tensorflow/tfjs-core';
import { rope, ropeCosSin, type RopeLayout } from '@agon/tensor';
import type { DecoderConfig } from '../config/types.js';

/**
 * RoPE inverse frequencies θ^(-2i/D), i < D/2, in float64, after `llama3`/`linear` scaling (the
 * same formulas as transformers' `_compute_llama3_parameters`).
 *
 * @example
 * ```ts
 * ropeInverseFrequencies({ headDim: 8, ropeTheta: 10000 }); // Float64Array [1, 0.1, 0.01, 0.001]
 * ```
 */
export function ropeInverseFrequencies(cfg: Pick<DecoderConfig, 'headDim' | 'ropeTheta' | 'ropeScaling'>): Float64Array {
  const half = cfg.headDim / 2;
  const inv = new Float64Array(half);
  for (let i = 0; i < half; i++) inv[i] = 1 / Math.pow(cfg.ropeTheta, (2 * i) / cfg.headDim);
  const rs = cfg.ropeScaling;
  if (rs?.type === 'linear') return inv.map((f) => f / rs.factor);
  if (rs?.type === 'llama3') {
    const lowWavelen = rs.originalMaxPositions / rs.lowFreqFactor;
    const highWavelen = rs.originalMaxPositions / rs.highFreqFactor;
    return inv.map((f) => {
      const wavelen = (2 * Math.PI) / f;
      if (wavelen < highWavelen) return f; // high frequency: kept
      if (wavelen > lowWavelen) return f / rs.factor; // low frequency: scaled
      const smooth = (rs.originalMaxPositions / wavelen - rs.lowFreqFactor) / (rs.highFreqFactor - rs.lowFreqFactor);
      return (1 - smooth) * (f / rs.factor) + smooth * f;
    });
  }
  return inv;
}

/**
 * Host-side constants of one RoPE layout. With them RoPE is one formula for both layouts:
 * `rope(x) = x·cos(p·freq) + partner(x)·sign·sin(p·freq)` over the last axis (D), where each
 * dimension's partner is the other member of its pair — interleaved pairs (2i, 2i+1) as llama2.c,
 * or halves (i, i+D/2) as Hugging Face `rotate_half` — and `sign` is −1 on the first member.
 */
export interface RopeConstants {
  /** [D] frequency of each dimension (float64). */
  freq: Float64Array;
  /** [D] −1 or +1. */
  sign: Float32Array;
  layout: RopeLayout;
}

/**
 * The {@link RopeConstants} of `cfg`.
 *
 * @example
 * ```ts
 * const { sign } = ropeConstants({ headDim: 4, ropeTheta: 10000, ropeLayout: 'interleaved' }); // [-1, 1, -1, 1]
 * ```
 */
export function ropeConstants(
  cfg: Pick<DecoderConfig, 'headDim' | 'ropeTheta' | 'ropeScaling' | 'ropeLayout'>,
): RopeConstants {
  const D = cfg.headDim;
  const half = D / 2;
  const inv = ropeInverseFrequencies(cfg);
  const freq = new Float64Array(D);
  const sign = new Float32Array(D);
  for (let i = 0; i < half; i++) {
    const [a, b] = cfg.ropeLayout === 'interleaved' ? [2 * i, 2 * i + 1] : [i, i + half];
    freq[a] = freq[b] = inv[i];
    sign[a] = -1;
    sign[b] = 1;
  }
  return { freq, sign, layout: cfg.ropeLayout };
}

/** Rows of the low table: positions are split as hi·ROPE_BLOCK + lo. */
export const ROPE_BLOCK = 64;

/**
 * cos and sin of lo·freq (lo < {@link ROPE_BLOCK}) and of hi·ROPE_BLOCK·freq, each [rows, D],
 * computed in float64 on the host; positions up to `maxPositions · 2` are covered.
 */
export interface RopeTables {
  cosLo: tf.Tensor2D;
  sinLo: tf.Tensor2D;
  cosHi: tf.Tensor2D;
  sinHi: tf.Tensor2D;
  /** [D] ±1 of the layout. */
  sign: tf.Tensor1D;
  layout: RopeLayout;
  /** [D] frequency of each dimension and its ±1, on the host (for backends that take angles in float64 directly). */
  freqHost: Float64Array;
  signHost: Float32Array;
  /** Positions must be below this. */
  limit: number;
}

/**
 * Builds the {@link RopeTables} of `rc` for positions below 2 · `maxPositions` (callers own and dispose them).
 *
 * @example
 * ```ts
 * const tables = ropeTables(ropeConstants(cfg), cfg.maxPositions);
 * ```
 */
export function ropeTables(rc: RopeConstants, maxPositions: number): RopeTables {
  const D = rc.freq.length;
  const hiRows = Math.ceil((2 * maxPositions) / ROPE_BLOCK) + 1;
  const table = (rows: number, step: number, f: (x: number) => number) => {
    const out = new Float32Array(rows * D);
    for (let r = 0; r < rows; r++) for (let d = 0; d < D; d++) out[r * D + d] = f(r * step * rc.freq[d]);
    return tf.tensor2d(out, [rows, D]);
  };
  return {
    cosLo: table(ROPE_BLOCK, 1, Math.cos),
    sinLo: table(ROPE_BLOCK, 1, Math.sin),
    cosHi: table(hiRows, ROPE_BLOCK, Math.cos),
    sinHi: table(hiRows, ROPE_BLOCK, Math.sin),
    sign: tf.tensor1d(rc.sign),
    layout: rc.layout,
    freqHost: rc.freq,
    signHost: rc.sign,
    limit: hiRows * ROPE_BLOCK,
  };
}

/** cos and signed sin of every (row, position, dimension), ready to broadcast over heads. */
export interface RopeAngles {
  /** [B, T, 1, D] */
  cos: tf.Tensor4D;
  /** [B, T, 1, D], already multiplied by `sign`. */
  sin: tf.Tensor4D;
  layout: RopeLayout;
}

/**
 * cos/sin for `positions` [B, T] (int32). On cpu and wasm one kernel takes every angle in float64
 * (ropeCosSin of @agon/tensor); elsewhere cos(a+b) = cos a·cos b − sin a·sin b and
 * sin(a+b) = sin a·cos b + cos a·sin b over the two tables (float32 error ~1e-7 at any position).
 *
 * @example
 * ```ts
 * const angles = ropeAngles(tf.tensor2d([[0, 1]], [1, 2], 'int32'), tables);
 * ```
 */
export function ropeAngles(positions: tf.Tensor2D, t: RopeTables): RopeAngles {
  const direct = positions.dtype === 'int32' ? ropeCosSin(positions, t.freqHost, t.signHost) : undefined;
  if (direct) return { ...direct, layout: t.layout };
  return tf.tidy(() => {
    const [B, T] = positions.shape;
    const D = t.sign.shape[0];
    const pos = tf.cast(positions, 'int32');
    const block = tf.scalar(ROPE_BLOCK, 'int32'); // a plain number would promote to float32
    const hi = tf.floorDiv(pos, block);
    const lo = tf.sub(pos, tf.mul(hi, block));
    const [cl, sl, ch, sh] = [tf.gather(t.cosLo, lo), tf.gather(t.sinLo, lo), tf.gather(t.cosHi, hi), tf.gather(t.sinHi, hi)]; // [B,T,D]
    const cos = tf.sub(tf.mul(cl, ch), tf.mul(sl, sh));
    const sin = tf.mul(tf.add(tf.mul(sl, ch), tf.mul(cl, sh)), t.sign);
    return { cos: tf.reshape(cos, [B, T, 1, D]) as tf.Tensor4D, sin: tf.reshape(sin, [B, T, 1, D]) as tf.Tensor4D, layout: t.layout };
  });
}

/**
 * Rotates x [B, T, H, D] by the angles of its positions: x·cos + partner(x)·sin (`rope` of
 * @agon/tensor: one fused kernel on cpu and wasm, forward and backward; composed ops on GPUs).
 *
 * @example
 * ```ts
 * const qRot = applyRope(q, angles);
 * ```
 */
export function applyRope(x: tf.Tensor4D, angles: RopeAngles): tf.Tensor4D {
  return rope(x, angles.cos, angles.sin, angles.layout);
}
