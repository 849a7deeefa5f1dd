/**
 * Rotary position embeddings for the Llama family, computed in the graph from position ids (no
 * position table, so any position works and left padding just passes other ids).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DecoderConfig } from './decoder-config.js';

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
 * `rope(x) = x·cos(p·freq) + gather(x, perm)·sign·sin(p·freq)` over the last axis (D). `perm` pairs
 * each dimension with its rotation partner and `sign` is −1 on the first member of each pair:
 * interleaved pairs (2i, 2i+1) as llama2.c, or halves (i, i+D/2) as Hugging Face `rotate_half`.
 */
export interface RopeConstants {
  /** [D] frequency of each dimension. */
  freq: Float32Array;
  /** [D] index of each dimension's partner. */
  perm: Int32Array;
  /** [D] −1 or +1. */
  sign: Float32Array;
}

/**
 * The {@link RopeConstants} of `cfg`.
 *
 * @example
 * ```ts
 * const { perm } = ropeConstants({ headDim: 4, ropeTheta: 10000, ropeLayout: 'interleaved' }); // [1, 0, 3, 2]
 * ```
 */
export function ropeConstants(
  cfg: Pick<DecoderConfig, 'headDim' | 'ropeTheta' | 'ropeScaling' | 'ropeLayout'>,
): RopeConstants {
  const D = cfg.headDim;
  const half = D / 2;
  const inv = ropeInverseFrequencies(cfg);
  const freq = new Float32Array(D);
  const perm = new Int32Array(D);
  const sign = new Float32Array(D);
  for (let i = 0; i < half; i++) {
    const [a, b] = cfg.ropeLayout === 'interleaved' ? [2 * i, 2 * i + 1] : [i, i + half];
    freq[a] = freq[b] = inv[i];
    perm[a] = b;
    perm[b] = a;
    sign[a] = -1;
    sign[b] = 1;
  }
  return { freq, perm, sign };
}

/** cos and signed sin of every (row, position, dimension), ready to broadcast over heads. */
export interface RopeAngles {
  /** [B, T, 1, D] */
  cos: tf.Tensor4D;
  /** [B, T, 1, D], already multiplied by `sign`. */
  sin: tf.Tensor4D;
}

/**
 * cos/sin for `positions` [B, T] (int32). Angles are formed in float32, as run.c and transformers do.
 *
 * @example
 * ```ts
 * const angles = ropeAngles(tf.tensor2d([[0, 1]], [1, 2], 'int32'), ropeConstants(cfg));
 * ```
 */
export function ropeAngles(positions: tf.Tensor2D, rc: RopeConstants): RopeAngles {
  return tf.tidy(() => {
    const [B, T] = positions.shape;
    const D = rc.freq.length;
    const ang = tf.mul(tf.reshape(tf.cast(positions, 'float32'), [B, T, 1, 1]), tf.tensor1d(rc.freq)); // [B,T,1,D]
    return {
      cos: tf.cos(ang) as tf.Tensor4D,
      sin: tf.reshape(tf.mul(tf.sin(ang), tf.tensor1d(rc.sign)), [B, T, 1, D]) as tf.Tensor4D,
    };
  });
}

/**
 * Rotates x [B, T, H, D] by the angles of its positions. Uses only ops with gradients (gather, mul).
 *
 * @example
 * ```ts
 * const qRot = applyRope(q, angles, rc.perm);
 * ```
 */
export function applyRope(x: tf.Tensor4D, angles: RopeAngles, perm: tf.Tensor1D): tf.Tensor4D {
  return tf.tidy(() => tf.add(tf.mul(x, angles.cos), tf.mul(tf.gather(x, perm, 3), angles.sin)) as tf.Tensor4D);
}
