// Fused numerics on cpu against float64 references; gradients against central finite differences.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { attentionMask, entropyFromLogits, initBackend, maskedMean, maskedSum, tokenLogprobs } from '../src/index.js';
import { expectNoLeaks } from '../src/testing/index.js';
import {
  dot, expectClose, fdGrad, randInt, randn, read, refEntropy, refTokenLogprobs,
} from './reference.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

const B = 2, T = 3, V = 7;

describe('tokenLogprobs', () => {
  it('matches log-softmax + gather in float64, including large and -Infinity logits', async () => {
    await expectNoLeaks(async () => {
      const x = randn(B * T * V, 1, 3);
      x[0] = 80; // large logit: a naive exp overflows float32
      x[5] = -Infinity; // masked vocab entry (not a target)
      const ids = randInt(B * T, V, 2);
      ids[0] = 0;
      const logits = tf.tensor3d(Float32Array.from(x), [B, T, V]);
      const targets = tf.tensor2d(ids, [B, T], 'int32');
      const lp = tokenLogprobs(logits, targets);
      expect(lp.shape).toEqual([B, T]);
      expectClose(await read(lp), refTokenLogprobs(Float32Array.from(x), V, ids), { atol: 2e-5, rtol: 1e-5 });
      tf.dispose([logits, targets, lp]);
    });
  });

  it('has the finite-difference gradient', async () => {
    await expectNoLeaks(async () => {
      const x = randn(B * T * V, 3, 2);
      const ids = randInt(B * T, V, 4);
      const w = randn(B * T, 5);
      const logits = tf.tensor3d(Float32Array.from(x), [B, T, V]);
      const targets = tf.tensor2d(ids, [B, T], 'int32');
      const wt = tf.tensor2d(Float32Array.from(w), [B, T]);
      const g = tf.grad((l: tf.Tensor) => tf.sum(tf.mul(tokenLogprobs(l, targets), wt)))(logits);
      const ref = fdGrad((p) => dot(w, refTokenLogprobs(p, V, ids)), Float32Array.from(x));
      expectClose(await read(g), ref, { atol: 1e-5, rtol: 1e-4, label: 'dlogits' });
      tf.dispose([logits, targets, wt, g]);
    });
  });

  it('rejects targets of the wrong shape or dtype with a message naming them', () =>
    expectNoLeaks(() => {
    const logits = tf.zeros([2, 3, 4]);
    const bad = tf.zeros([2, 4], 'int32');
    const fl = tf.zeros([2, 3]);
    expect(() => tokenLogprobs(logits, bad)).toThrow(/targets must have shape \[2, 3\]/);
    expect(() => tokenLogprobs(logits, fl)).toThrow(/targets must be int32, got float32/);
    tf.dispose([logits, bad, fl]);
    }));
});

describe('entropyFromLogits', () => {
  it('matches the float64 entropy, including a -Infinity logit and uniform rows', async () => {
    await expectNoLeaks(async () => {
      const x = randn(B * T * V, 6, 3);
      x[3] = -Infinity;
      for (let j = 0; j < V; j++) x[V + j] = 0.5; // uniform row: H = ln V
      const logits = tf.tensor3d(Float32Array.from(x), [B, T, V]);
      const h = entropyFromLogits(logits);
      expect(h.shape).toEqual([B, T]);
      const got = await read(h);
      expectClose(got, refEntropy(Float32Array.from(x), V), { atol: 2e-6, rtol: 2e-6 });
      expect(got[1]).toBeCloseTo(Math.log(V), 5);
      tf.dispose([logits, h]);
    });
  });

  it('has the finite-difference gradient, and a finite one next to -Infinity logits', async () => {
    await expectNoLeaks(async () => {
      const x = randn(B * T * V, 7, 2);
      const w = randn(B * T, 8);
      const logits = tf.tensor3d(Float32Array.from(x), [B, T, V]);
      const wt = tf.tensor2d(Float32Array.from(w), [B, T]);
      const g = tf.grad((l: tf.Tensor) => tf.sum(tf.mul(entropyFromLogits(l), wt)))(logits);
      const ref = fdGrad((p) => dot(w, refEntropy(p, V)), Float32Array.from(x));
      expectClose(await read(g), ref, { atol: 1e-5, rtol: 1e-4, label: 'dlogits' });

      const masked = tf.tensor2d([[1, -Infinity, 0.5]]);
      const gm = tf.grad((l: tf.Tensor) => tf.sum(entropyFromLogits(l)))(masked);
      const gmv = await read(gm);
      expect(gmv.every(Number.isFinite)).toBe(true);
      expect(gmv[1]).toBe(0);
      tf.dispose([logits, wt, g, masked, gm]);
    });
  });
});

describe('maskedSum / maskedMean', () => {
  const x = [1, 2, 3, 4, 5, 6];
  const m = [1, 1, 0, 0, 0, 0];

  it('reduce over an axis and over everything, and give 0 (not NaN) for an empty mask', async () => {
    await expectNoLeaks(async () => {
      const xt = tf.tensor2d(x, [2, 3]);
      const mt = tf.tensor2d(m, [2, 3]);
      const mb = tf.cast(mt, 'bool');
      const outs = [maskedSum(xt, mt, 1), maskedMean(xt, mt, 1), maskedMean(xt, mb), maskedSum(xt, mb)];
      const [s, mean, all, sAll] = await Promise.all(outs.map(read));
      expect(Array.from(s)).toEqual([3, 0]);
      expect(Array.from(mean)).toEqual([1.5, 0]);
      expect(all[0]).toBeCloseTo(1.5, 6);
      expect(sAll[0]).toBe(3);
      tf.dispose([xt, mt, mb, ...outs]);
    });
  });

  it('ignores NaN and -Infinity under the mask, in value and gradient', async () => {
    await expectNoLeaks(async () => {
      const xt = tf.tensor2d([1, NaN, -Infinity, 4], [2, 2]);
      const mt = tf.tensor2d([1, 0, 0, 1], [2, 2]);
      const v = maskedMean(xt, mt);
      const g = tf.grad((a: tf.Tensor) => maskedMean(a, mt))(xt);
      expect((await read(v))[0]).toBeCloseTo(2.5, 6);
      expect(Array.from(await read(g))).toEqual([0.5, 0, 0, 0.5]);
      tf.dispose([xt, mt, v, g]);
    });
  });

  it('weighted masks and broadcasting match float64, gradients match finite differences', async () => {
    await expectNoLeaks(async () => {
      const xs = randn(2 * 3 * 4, 9);
      const ws = [0.5, 0, 2, 1]; // [4] broadcast over [2, 3, 4]
      const refMean = (p: ArrayLike<number>): Float64Array => {
        const out = new Float64Array(6);
        for (let r = 0; r < 6; r++) {
          let s = 0;
          for (let j = 0; j < 4; j++) s += p[r * 4 + j] * ws[j];
          out[r] = s / 3.5;
        }
        return out;
      };
      const xt = tf.tensor3d(Float32Array.from(xs), [2, 3, 4]);
      const wt = tf.tensor1d(ws);
      const v = maskedMean(xt, wt, 2);
      expect(v.shape).toEqual([2, 3]);
      expectClose(await read(v), refMean(Float32Array.from(xs)), { atol: 1e-6, rtol: 1e-6 });
      const up = randn(6, 10);
      const upt = tf.tensor2d(Float32Array.from(up), [2, 3]);
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(maskedMean(a, wt, 2), upt)))(xt);
      const ref = fdGrad((p) => dot(up, refMean(p)), Float32Array.from(xs));
      expectClose(await read(g), ref, { atol: 1e-6, rtol: 1e-5, label: 'dx' });
      tf.dispose([xt, wt, v, upt, g]);
    });
  });

  it('rejects a mask that does not broadcast', () =>
    expectNoLeaks(() => {
    const xt = tf.zeros([2, 3]);
    const mt = tf.zeros([3, 2]);
    expect(() => maskedMean(xt, mt)).toThrow(/maskedMean: mask of shape \[3, 2\] does not broadcast to x of shape \[2, 3\]/);
    tf.dispose([xt, mt]);
    }));
});

describe('attentionMask', () => {
  /** Float64 reference: 0 if query i (absolute offset + i) may see key j and key j is real. */
  function refMask(B: number, T: number, Tk: number, offset: number, keep?: number[][], window = Infinity): number[] {
    const out: number[] = [];
    for (let b = 0; b < B; b++)
      for (let i = 0; i < T; i++)
        for (let j = 0; j < Tk; j++) {
          const visible = j <= offset + i && offset + i - j < window && (!keep || keep[b][j] !== 0);
          out.push(visible ? 0 : -1e9);
        }
    return out;
  }

  it('is causal [1, 1, T, T] by default', async () => {
    await expectNoLeaks(async () => {
      const m = attentionMask({ queryLength: 4 });
      expect(m.shape).toEqual([1, 1, 4, 4]);
      expect(Array.from(await m.data())).toEqual(refMask(1, 4, 4, 0).map(Math.fround));
      m.dispose();
    });
  });

  it('handles a KV-cache offset and a [B, Tk] padding mask', async () => {
    await expectNoLeaks(async () => {
      const keep = [[0, 1, 1, 1, 1], [1, 1, 1, 0, 1]];
      const pad = tf.tensor2d(keep, [2, 5], 'int32');
      const m = attentionMask({ queryLength: 2, keyLength: 5, padding: pad }); // offset 3
      expect(m.shape).toEqual([2, 1, 2, 5]);
      expect(Array.from(await m.data())).toEqual(refMask(2, 2, 5, 3, keep).map(Math.fround));
      const nc = attentionMask({ queryLength: 1, keyLength: 5, padding: pad, causal: false });
      expect(Array.from(await nc.data())).toEqual(refMask(2, 1, 5, 4, keep).map(Math.fround));
      tf.dispose([pad, m, nc]);
    });
  });

  it('limits each query to a sliding window', async () => {
    await expectNoLeaks(async () => {
      const m = attentionMask({ queryLength: 3, keyLength: 6, window: 2 }); // offset 3
      expect(Array.from(await m.data())).toEqual(refMask(1, 3, 6, 3, undefined, 2).map(Math.fround));
      m.dispose();
      expect(() => attentionMask({ queryLength: 1, window: 0 })).toThrow(/window must be a positive integer, got 0/);
    });
  });

  it('rejects padding of the wrong width and negative lengths', () =>
    expectNoLeaks(() => {
    const pad = tf.ones([2, 3]);
    expect(() => attentionMask({ queryLength: 2, keyLength: 4, padding: pad })).toThrow(
      /padding must have shape \[B, 4\] \(keyLength\), got \[2, 3\]/,
    );
    expect(() => attentionMask({ queryLength: 3, keyLength: 2 })).toThrow(/offset must be a non-negative integer, got -1/);
    pad.dispose();
    }));
});
