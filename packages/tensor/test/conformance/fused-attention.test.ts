// Conformance of fusedAttention (the fused cpu/wasm kernel with its hand-written gradient; tfjs
// ops on GPU backends): forward against a float64 loop, gradients of q, k and v against finite
// differences, on every backend under test — causal, grouped heads, a KV-cache offset with
// padding, and a row whose keys are all hidden.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from '@jest/globals';
import { attentionMask, fusedAttention } from '../../src/index.js';
import { describeEachBackend, expectNoLeaks } from '../../src/testing/index.js';
import { randn } from '../reference.js';
import { checkCase, tol } from './check.js';

/**
 * float64 attention: q [B, T, H, D], k/v [B, Hkv, Tk, D]; `visible(b, i, j)` says whether query i
 * of row b sees key j (`bias(h, i, j)`, if given, is added to its score); a row that sees nothing
 * averages every value.
 */
function refAttention(
  q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>,
  B: number, T: number, H: number, Hkv: number, Tk: number, D: number,
  visible: (b: number, i: number, j: number) => boolean,
  bias: (h: number, i: number, j: number) => number = () => 0,
): Float64Array {
  const out = new Float64Array(B * T * H * D);
  const rep = H / Hkv;
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < T; i++) {
        const g = Math.floor(h / rep);
        const seen = Array.from({ length: Tk }, (_, j) => visible(b, i, j));
        const any = seen.some(Boolean);
        const s = Array.from({ length: Tk }, (_, j) => {
          let dot = 0;
          for (let e = 0; e < D; e++) dot += q[((b * T + i) * H + h) * D + e] * k[((b * Hkv + g) * Tk + j) * D + e];
          return dot / Math.sqrt(D) + (seen[j] ? bias(h, i, j) : -1e9);
        });
        const m = Math.max(...s);
        // float32 scores + −1e9 all round to −1e9: a row with no visible key is a plain mean.
        const p = s.map((x, j) => (any ? (seen[j] ? Math.exp(x - m) : 0) : 1));
        const z = p.reduce((a, x) => a + x, 0);
        for (let e = 0; e < D; e++) {
          let acc = 0;
          for (let j = 0; j < Tk; j++) acc += (p[j] / z) * v[((b * Hkv + g) * Tk + j) * D + e];
          out[((b * T + i) * H + h) * D + e] = acc;
        }
      }
  return out;
}

await describeEachBackend('fusedAttention', (backend) => {
  for (const kernel of ['fused', 'composed'] as const) {
  it(`${kernel}: causal, grouped KV heads (H 4, Hkv 2): forward and gradients of q, k, v`, () => {
    const B = 2, T = 5, H = 4, Hkv = 2, D = 4;
    return checkCase({
      inputs: [
        { shape: [B, T, H, D], data: randn(B * T * H * D, 31) },
        { shape: [B, Hkv, T, D], data: randn(B * Hkv * T * D, 32) },
        { shape: [B, Hkv, T, D], data: randn(B * Hkv * T * D, 33) },
      ],
      run: (q, k, v) => fusedAttention(q, k, v, attentionMask({ queryLength: T }), { kernel }),
      ref: (q, k, v) => refAttention(q, k, v, B, T, H, Hkv, T, D, (_b, i, j) => j <= i),
      outShape: [B, T, H, D],
      forward: tol(backend, 1e-5, 1e-5),
      gradient: tol(backend, 1e-4, 1e-4),
    });
  });

  /** T new queries after P cached keys (Tk = P + T), causal, with padding `pad` [B, Tk] (1 = attend). */
  const paddedCase = (dims: { B: number; T: number; P: number; H: number; Hkv: number; D: number }, pad: number[][], seed: number) => {
    const { B, T, P, H, Hkv, D } = dims;
    const Tk = P + T;
    return checkCase({
      inputs: [
        { shape: [B, T, H, D], data: randn(B * T * H * D, seed) },
        { shape: [B, Hkv, Tk, D], data: randn(B * Hkv * Tk * D, seed + 1) },
        { shape: [B, Hkv, Tk, D], data: randn(B * Hkv * Tk * D, seed + 2) },
      ],
      run: (q, k, v) => {
        const padding = tf.tensor2d(pad, [B, Tk], 'int32');
        return fusedAttention(q, k, v, attentionMask({ queryLength: T, keyLength: Tk, padding }), { kernel });
      },
      ref: (q, k, v) => refAttention(q, k, v, B, T, H, Hkv, Tk, D, (b, i, j) => j <= P + i && pad[b][j] === 1),
      outShape: [B, T, H, D],
      forward: tol(backend, 1e-5, 1e-5),
      gradient: tol(backend, 1e-4, 1e-4),
    });
  };

  it(`${kernel}: 3 new queries after 2 cached keys, with left padding in row 1`, () =>
    // Row 1's first key is padding.
    paddedCase({ B: 2, T: 3, P: 2, H: 2, Hkv: 1, D: 3 }, [[1, 1, 1, 1, 1], [0, 1, 1, 1, 1]], 41));

  it(`${kernel}: head dim 8, 9 queries after 3 cached keys, a padded key inside row 1's visible span`, () =>
    // Tk 12 and T 9 are not multiples of 4 and row 1's span has a hole: the SIMD kernels' edges.
    paddedCase({ B: 2, T: 9, P: 3, H: 4, Hkv: 2, D: 8 }, [Array(12).fill(1), Array.from({ length: 12 }, (_, j) => (j === 1 || j === 4 ? 0 : 1))], 61));

  it(`${kernel}: one decoding step (T 1) over 13 cached keys, head dim 12, no mask`, () => {
    const B = 2, T = 1, Tk = 13, H = 2, Hkv = 1, D = 12;
    return checkCase({
      inputs: [
        { shape: [B, T, H, D], data: randn(B * T * H * D, 71) },
        { shape: [B, Hkv, Tk, D], data: randn(B * Hkv * Tk * D, 72) },
        { shape: [B, Hkv, Tk, D], data: randn(B * Hkv * Tk * D, 73) },
      ],
      run: (q, k, v) => fusedAttention(q, k, v, undefined, { kernel }),
      ref: (q, k, v) => refAttention(q, k, v, B, T, H, Hkv, Tk, D, () => true),
      outShape: [B, T, H, D],
      forward: tol(backend, 1e-5, 1e-5),
      gradient: tol(backend, 1e-4, 1e-4),
    });
  });

  it(`${kernel}: head dim 16, a per-head additive bias on the visible keys, a hidden key inside one row's span`, () => {
    // Nonzero visible biases take the kernels' biased path (zero ones skip it); [1, H, T, T] mask.
    const B = 1, T = 7, H = 2, Hkv = 1, D = 16;
    const seen = (i: number, j: number) => j <= i && !(i === 5 && j === 2);
    const r = randn(H * T * T, 84);
    const bias = (h: number, i: number, j: number) => Math.fround(r[(h * T + i) * T + j]);
    const mask = Array.from({ length: H * T * T }, (_, n) => {
      const h = Math.floor(n / (T * T)), i = Math.floor(n / T) % T, j = n % T;
      return seen(i, j) ? bias(h, i, j) : -1e9;
    });
    return checkCase({
      inputs: [
        { shape: [B, T, H, D], data: randn(B * T * H * D, 81) },
        { shape: [B, Hkv, T, D], data: randn(B * Hkv * T * D, 82) },
        { shape: [B, Hkv, T, D], data: randn(B * Hkv * T * D, 83) },
      ],
      run: (q, k, v) => fusedAttention(q, k, v, tf.tensor4d(mask, [1, H, T, T]), { kernel }),
      ref: (q, k, v) => refAttention(q, k, v, B, T, H, Hkv, T, D, (_b, i, j) => seen(i, j), bias),
      outShape: [B, T, H, D],
      forward: tol(backend, 1e-5, 1e-5),
      gradient: tol(backend, 1e-4, 1e-4),
    });
  });

  it(`${kernel}: a query whose keys are all hidden averages the values, as softmax of equal biases does`, () => {
    const B = 1, T = 2, H = 1, Hkv = 1, D = 2;
    return checkCase({
      inputs: [
        { shape: [B, T, H, D], data: randn(4, 51) },
        { shape: [B, Hkv, T, D], data: randn(4, 52) },
        { shape: [B, Hkv, T, D], data: randn(4, 53) },
      ],
      run: (q, k, v) => fusedAttention(q, k, v, tf.tensor4d([-1e9, -1e9, 0, -1e9], [1, 1, 2, 2]), { kernel }),
      ref: (q, k, v) => refAttention(q, k, v, B, T, H, Hkv, T, D, (_b, i, j) => i === 1 && j === 0),
      outShape: [B, T, H, D],
      forward: tol(backend, 1e-5, 1e-5),
      // The fused kernel defines that row's q/k gradient as 0 (the mean does not depend on them);
      // autodiff of the composed ops differentiates through the rounded scores.
      gradient: kernel === 'fused' && (backend === 'cpu' || backend === 'wasm') ? tol(backend, 1e-4, 1e-4) : undefined,
    });
  });

  }

  it('rejects mismatched shapes naming them', async () => {
    await expectNoLeaks(() => {
      const q = tf.zeros([1, 2, 3, 4]);
      const k = tf.zeros([1, 2, 2, 4]);
      const narrow = tf.zeros([1, 1, 2, 3]);
      expect(() => fusedAttention(q, k, k)).toThrow('fusedAttention: the query heads H must be a multiple of the key/value heads Hkv (q [1, 2, 3, 4], k [1, 2, 2, 4], v [1, 2, 2, 4])');
      expect(() => fusedAttention(q, narrow, narrow)).toThrow(/k and v must be \[B, Hkv, Tk, D\]/);
      tf.dispose([q, k, narrow]);
    });
  });
});
