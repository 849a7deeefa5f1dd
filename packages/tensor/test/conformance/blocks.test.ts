// Conformance: the transformer blocks every model is made of, forward and gradients, on every
// backend under test.
import * as tf from '@tensorflow/tfjs-core';
import { it } from '@jest/globals';
import { attentionMask } from '../../src/index.js';
import { describeEachBackend } from '../../src/testing/index.js';
import { randn } from '../reference.js';
import { checkCase, tol } from './check.js';
import { causalGqa, gatedMlp, rmsnorm } from './reference-ops.js';

const EPS = 1e-5;

function rmsnormTf(x: tf.Tensor, g: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), EPS))), g);
}

function mlpTf(x: tf.Tensor, w1: tf.Tensor, w3: tf.Tensor, w2: tf.Tensor): tf.Tensor {
  const h1 = tf.matMul(x, w1);
  return tf.matMul(tf.mul(tf.mul(h1, tf.sigmoid(h1)), tf.matMul(x, w3)), w2);
}

/** q [B, T, H, D], k/v [B, T, Hkv, D] → [B, T, H, D]; KV heads repeated by broadcasting. */
function gqaTf(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, H: number, Hkv: number): tf.Tensor {
  const [B, T, , D] = q.shape;
  const rep = H / Hkv;
  // Repeat each KV head `rep` times as a rank-4 broadcast (tfjs has no Tile gradient above rank 4).
  const expand = (t: tf.Tensor): tf.Tensor => {
    const byHead = tf.reshape(tf.transpose(t, [0, 2, 1, 3]), [B, Hkv, 1, T * D]);
    return tf.reshape(tf.broadcastTo(byHead, [B, Hkv, rep, T * D]), [B, H, T, D]);
  };
  const qh = tf.transpose(q, [0, 2, 1, 3]); // [B, H, T, D]
  const mask = attentionMask({ queryLength: T });
  const scores = tf.add(tf.mul(tf.matMul(qh, expand(k), false, true), 1 / Math.sqrt(D)), mask); // [B, H, T, T]
  const out = tf.matMul(tf.softmax(scores), expand(v)); // [B, H, T, D]
  return tf.transpose(out, [0, 2, 1, 3]);
}

await describeEachBackend('blocks', (backend) => {
  it('RMSNorm over the last axis', () =>
    checkCase({
      inputs: [{ shape: [2, 3, 8], data: randn(48, 11, 2) }, { shape: [8], data: randn(8, 12) }],
      run: rmsnormTf,
      ref: (x, g) => rmsnorm(x, g, 8, EPS),
      outShape: [2, 3, 8],
      forward: tol(backend, 1e-5, 1e-5),
      gradient: tol(backend, 1e-4, 1e-4),
    }));

  it('SiLU-gated MLP (Llama feed-forward)', () =>
    checkCase({
      inputs: [
        { shape: [3, 6], data: randn(18, 13) },
        { shape: [6, 10], data: randn(60, 14, 0.5) },
        { shape: [6, 10], data: randn(60, 15, 0.5) },
        { shape: [10, 6], data: randn(60, 16, 0.5) },
      ],
      run: mlpTf,
      ref: (x, w1, w3, w2) => gatedMlp(x, w1, w3, w2, 3, 6, 10),
      outShape: [3, 6],
      forward: tol(backend, 1e-5, 1e-5),
      gradient: tol(backend, 1e-4, 1e-4),
    }));

  it('causal attention with grouped KV heads (H 4, Hkv 2)', () => {
    const B = 2, T = 4, H = 4, Hkv = 2, D = 4;
    return checkCase({
      inputs: [
        { shape: [B, T, H, D], data: randn(B * T * H * D, 17) },
        { shape: [B, T, Hkv, D], data: randn(B * T * Hkv * D, 18) },
        { shape: [B, T, Hkv, D], data: randn(B * T * Hkv * D, 19) },
      ],
      run: (q, k, v) => gqaTf(q, k, v, H, Hkv),
      ref: (q, k, v) => causalGqa(q, k, v, B, T, H, Hkv, D),
      outShape: [B, T, H, D],
      forward: tol(backend, 1e-5, 1e-5),
      gradient: tol(backend, 1e-4, 1e-4),
    });
  });
});
