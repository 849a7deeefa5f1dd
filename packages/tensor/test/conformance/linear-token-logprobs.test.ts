// Conformance of linearTokenLogprobs (lm_head + log-softmax + gather + entropy, chunked, recomputed
// in backward unless small enough to keep): both outputs against a float64 loop, gradients of hidden and weight against finite
// differences, with one chunk and with many (including a ragged last chunk); equal to the unfused
// tokenLogprobs(linear(…)) / entropyFromLogits path; a variable weight (read, not copied); with
// entropy: false the log-probs alone, the same as with it, and fewer kernels on composed backends.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from '@jest/globals';
import { entropyFromLogits, linear, linearTokenLogprobs, tokenLogprobs } from '../../src/index.js';
import { describeEachBackend, expectNoLeaks } from '../../src/testing/index.js';
import { randInt, randn, read, refEntropy, refTokenLogprobs } from '../reference.js';
import { checkCase, tol } from './check.js';

const C = 5, V = 13;

function refLogits(h: ArrayLike<number>, w: ArrayLike<number>): Float64Array {
  const N = h.length / C;
  const z = new Float64Array(N * V);
  for (let n = 0; n < N; n++)
    for (let v = 0; v < V; v++) {
      let acc = 0;
      for (let c = 0; c < C; c++) acc += h[n * C + c] * w[v * C + c];
      z[n * V + v] = acc;
    }
  return z;
}

/** [2, N]: log-probs, then 0.7 × entropies (so both outputs' gradients are checked). */
function refBoth(h: ArrayLike<number>, w: ArrayLike<number>, ids: ArrayLike<number>): Float64Array {
  const z = refLogits(h, w);
  const lp = refTokenLogprobs(z, V, ids);
  const ent = refEntropy(z, V);
  return Float64Array.from([...lp, ...ent.map((e) => 0.7 * e)]);
}


await describeEachBackend('linearTokenLogprobs', (backend) => {
  // 4·V bytes per row: 1e9 → one chunk; 3 rows per chunk → chunks of 3, 3, 1; one row per chunk;
  // 20 rows in one chunk takes wasm's transposed-weight path (≥ 16 rows). These logits are small
  // enough to be kept for the backward pass; keepLogitsBytes 0 makes it recompute them.
  const cases = [
    ['one chunk', 7, 1e9, undefined],
    ['a budget of 3 rows a chunk, logits kept (so one chunk)', 7, 3 * 4 * V, undefined],
    ['chunks of 3 rows, logits recomputed', 7, 3 * 4 * V, 0],
    ['one row per chunk, logits recomputed', 7, 1, 0],
    ['20 rows, one chunk', 20, 1e9, undefined],
    ['20 rows, one chunk, logits recomputed', 20, 1e9, 0],
  ] as const;
  for (const [label, N, chunkBytes, keepLogitsBytes] of cases) {
    const ids = randInt(N, V, 31);
    it(`${label}: forward and gradients of hidden and weight`, () =>
      checkCase({
        inputs: [
          { shape: [N, C], data: randn(N * C, 32) },
          { shape: [V, C], data: randn(V * C, 33) },
          { shape: [N], data: ids, dtype: 'int32' },
        ],
        run: (h, w, t) => {
          const { logprobs, entropy } = linearTokenLogprobs(h as tf.Tensor2D, w as tf.Tensor2D, t as tf.Tensor1D, { chunkBytes, keepLogitsBytes });
          return tf.stack([logprobs, tf.mul(entropy, 0.7)]);
        },
        ref: refBoth,
        outShape: [2, N],
        forward: tol(backend, 1e-5, 1e-5),
        gradient: tol(backend, 1e-4, 1e-4),
      }));
  }

  for (const [label, chunkBytes, keepLogitsBytes] of [['one chunk', 1e9, undefined], ['a budget of 3 rows a chunk, logits kept (so one chunk)', 3 * 4 * V, undefined], ['chunks of 3 rows, logits recomputed', 3 * 4 * V, 0]] as const) {
    const N = 7;
    const ids = randInt(N, V, 41);
    it(`entropy: false, ${label}: log-probs only, forward and gradients of hidden and weight`, () =>
      checkCase({
        inputs: [
          { shape: [N, C], data: randn(N * C, 42) },
          { shape: [V, C], data: randn(V * C, 43) },
          { shape: [N], data: ids, dtype: 'int32' },
        ],
        run: (h, w, t) => {
          const out = linearTokenLogprobs(h as tf.Tensor2D, w as tf.Tensor2D, t as tf.Tensor1D, { chunkBytes, keepLogitsBytes, entropy: false });
          expect(Object.keys(out)).toEqual(['logprobs']);
          return out.logprobs;
        },
        ref: (h, w, t) => refTokenLogprobs(refLogits(h, w), V, t),
        outShape: [N],
        forward: tol(backend, 1e-5, 1e-5),
        gradient: tol(backend, 1e-4, 1e-4),
      }));
  }

  it('entropy: false gives the same log-probs and log-prob gradients as with the entropy, and runs fewer kernels where ops are composed', async () => {
    const N = 7;
    await expectNoLeaks(async () => {
      const h = tf.tensor2d(Float32Array.from(randn(N * C, 44)), [N, C]);
      const w = tf.tensor2d(Float32Array.from(randn(V * C, 45)), [V, C]);
      const t = tf.tensor1d(randInt(N, V, 46), 'int32');
      const dy = tf.tensor1d(Float32Array.from(randn(N, 47)));
      const run = (entropy: boolean) => tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(linearTokenLogprobs(a as tf.Tensor2D, b as tf.Tensor2D, t, { chunkBytes: 3 * 4 * V, entropy }).logprobs, dy)));
      const value = (entropy: boolean) => tf.tidy(() => linearTokenLogprobs(h, w, t, { entropy }).logprobs);
      const [lpWith, lpWithout] = [value(true), value(false)];
      const [gWith, gWithout] = [run(true)([h, w]), run(false)([h, w])];
      // The same ops on the log-prob path; the entropy term is exactly 0 when it is not differentiated (±0 aside).
      const plain = async (x: tf.Tensor) => Array.from(await read(x), (v) => v + 0);
      expect(await plain(lpWithout)).toEqual(await plain(lpWith));
      for (let i = 0; i < 2; i++) expect(await plain(gWithout[i]!)).toEqual(await plain(gWith[i]!));
      const kernels = async (entropy: boolean) =>
        (await tf.profile(() => tf.dispose(run(entropy)([h, w])))).kernels.length;
      const [withCount, withoutCount] = [await kernels(true), await kernels(false)];
      if (backend === 'cpu' || backend === 'wasm') expect(withoutCount).toBeGreaterThan(0); // fused kernels: the entropy is a by-product
      else expect(withoutCount).toBeLessThan(withCount);
      tf.dispose([h, w, t, dy, lpWith, lpWithout, ...gWith, ...gWithout]);
    });
  });

  it('small logits are one chunk, kept for the backward pass (two products there, not three); keepLogitsBytes 0 or larger logits recompute them chunk by chunk', async () => {
    const N = 7;
    await expectNoLeaks(async () => {
      const h = tf.tensor2d(Float32Array.from(randn(N * C, 54)), [N, C]);
      const w = tf.tensor2d(Float32Array.from(randn(V * C, 55)), [V, C]);
      const t = tf.tensor1d(randInt(N, V, 56), 'int32');
      const products = async (chunkBytes: number, keepLogitsBytes?: number) => {
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(linearTokenLogprobs(a as tf.Tensor2D, b as tf.Tensor2D, t, { chunkBytes, keepLogitsBytes }).logprobs));
        const { kernels } = await tf.profile(() => tf.dispose(g([h, w])));
        return kernels.filter((k) => k.name === 'BatchMatMul' || k.name === '_FusedMatMul').length;
      };
      // Forward one product a chunk; backward dh and dW a chunk, plus the logits again when
      // recomputed. Kept logits are one chunk whatever chunkBytes says.
      expect(await products(1e9)).toBe(1 + 2);
      expect(await products(4 * 4 * V)).toBe(1 + 2);
      expect(await products(4 * 4 * V, 0)).toBe(2 * (1 + 3));
      expect(await products(4 * 4 * V, 4 * N * V - 1)).toBe(2 * (1 + 3));
      expect(await products(4 * 4 * V, 4 * N * V)).toBe(1 + 2);
      expect(() => linearTokenLogprobs(h, w, t, { keepLogitsBytes: -1 })).toThrow('linearTokenLogprobs: keepLogitsBytes must be a number ≥ 0, got -1');
      tf.dispose([h, w, t]);
    });
  });

  const N = 7;
  const ids = randInt(N, V, 31);
  it('equals the unfused path (tokenLogprobs of linear, entropyFromLogits), values and gradients; a variable weight', async () => {
    await expectNoLeaks(async () => {
      const h = tf.tensor2d(Float32Array.from(randn(N * C, 34)), [N, C]);
      const w0 = tf.tensor2d(Float32Array.from(randn(V * C, 35)), [V, C]);
      const w = tf.variable(w0);
      w0.dispose();
      const t = tf.tensor1d(ids, 'int32');
      const dy = tf.tensor1d(Float32Array.from(randn(N, 36)));
      const loss = (fused: boolean) => () => {
        if (fused) {
          const { logprobs, entropy } = linearTokenLogprobs(h, w, t, { chunkBytes: 2 * 4 * V });
          return tf.sum(tf.mul(tf.add(logprobs, tf.mul(entropy, 0.3)), dy)) as tf.Scalar;
        }
        const z = linear(h, w);
        return tf.sum(tf.mul(tf.add(tokenLogprobs(z, t), tf.mul(entropyFromLogits(z), 0.3)), dy)) as tf.Scalar;
      };
      const a = tf.variableGrads(loss(true), [w]);
      const b = tf.variableGrads(loss(false), [w]);
      // One row a chunk, recomputed (the variable-weight loss above keeps its logits: one chunk).
      const ga = tf.grad((x: tf.Tensor) => tf.tidy(() => { const { logprobs } = linearTokenLogprobs(x as tf.Tensor2D, w, t, { chunkBytes: 1, keepLogitsBytes: 0 }); return tf.sum(tf.mul(logprobs, dy)); }))(h);
      const gb = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tokenLogprobs(linear(x as tf.Tensor2D, w), t), dy)))(h);
      const k = tol(backend, 1e-5, 1e-5);
      expect(Math.abs((await read(a.value))[0] - (await read(b.value))[0])).toBeLessThan(k.atol * 10);
      const [wa, wb] = [await read(a.grads[w.name]), await read(b.grads[w.name])];
      wa.forEach((x, i) => expect(Math.abs(x - wb[i])).toBeLessThan(k.atol * 10 + k.rtol * 10 * Math.abs(wb[i])));
      const [ha, hb] = [await read(ga), await read(gb)];
      ha.forEach((x, i) => expect(Math.abs(x - hb[i])).toBeLessThan(k.atol * 10 + k.rtol * 10 * Math.abs(hb[i])));
      tf.dispose([h, w, t, dy, a.value, b.value, ga, gb, ...Object.values(a.grads), ...Object.values(b.grads)]);
    });
  });

  it('a frozen (non-trainable) variable weight: the hidden gradient of the unfused path, and no weight gradient', async () => {
    await expectNoLeaks(async () => {
      const h = tf.tensor2d(Float32Array.from(randn(N * C, 37)), [N, C]);
      const w0 = tf.tensor2d(Float32Array.from(randn(V * C, 38)), [V, C]);
      const w = tf.variable(w0, false);
      w0.dispose();
      const t = tf.tensor1d(ids, 'int32');
      const dy = tf.tensor1d(Float32Array.from(randn(N, 39)));
      const gb = tf.grad((x: tf.Tensor) => tf.tidy(() => { const z = linear(x as tf.Tensor2D, w); return tf.sum(tf.mul(tf.add(tokenLogprobs(z, t), entropyFromLogits(z)), dy)); }))(h);
      const k = tol(backend, 1e-5, 1e-5);
      const hb = await read(gb);
      // Logits kept (one chunk), and recomputed in chunks of 3 rows.
      for (const keepLogitsBytes of [undefined, 0]) {
        const ga = tf.grad((x: tf.Tensor) => tf.tidy(() => { const { logprobs, entropy } = linearTokenLogprobs(x as tf.Tensor2D, w, t, { chunkBytes: 3 * 4 * V, keepLogitsBytes }); return tf.sum(tf.mul(tf.add(logprobs, entropy), dy)); }))(h);
        const ha = await read(ga);
        ha.forEach((x, i) => expect(Math.abs(x - hb[i])).toBeLessThan(k.atol * 10 + k.rtol * 10 * Math.abs(hb[i])));
        ga.dispose();
      }
      tf.dispose([h, w, t, dy, gb]);
    });
  });

  it('rejects bad shapes and dtypes naming them', async () => {
    await expectNoLeaks(() => {
      const h = tf.zeros([2, 3]) as tf.Tensor2D;
      const w = tf.zeros([4, 5]) as tf.Tensor2D;
      const t = tf.zeros([2], 'int32') as tf.Tensor1D;
      expect(() => linearTokenLogprobs(h, w, t)).toThrow('linearTokenLogprobs: hidden must be [N, C] and weight [V, C] with the same C; got hidden [2, 3], weight [4, 5]');
      const w3 = tf.zeros([4, 3]) as tf.Tensor2D;
      const t3 = tf.zeros([3], 'int32') as tf.Tensor1D;
      expect(() => linearTokenLogprobs(h, w3, t3)).toThrow('linearTokenLogprobs: targets must have shape [2] (one id per hidden row), got [3]');
      const tf32 = tf.zeros([2]) as tf.Tensor1D;
      expect(() => linearTokenLogprobs(h, w3, tf32)).toThrow('linearTokenLogprobs: targets must be int32, got float32');
      tf.dispose([h, w, t, w3, t3, tf32]);
    });
  });
});
