// Conformance of recompute (activation recomputation): a chain of blocks whose intermediates are
// rebuilt in the backward pass gives the gradients of the plain chain — against finite differences
// of a float64 loop for the input, and against the plain tfjs chain for the variables (read inside
// the blocks) — with constants kept for the backward pass, a replay hook called once per block,
// and no tensor left behind.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from '@jest/globals';
import { recompute } from '../../src/index.js';
import { describeEachBackend, expectNoLeaks } from '../../src/testing/index.js';
import { randn, read } from '../reference.js';
import { checkCase, tol } from './check.js';

const N = 3, C = 4;

/** One block: tanh(x·W + b) · scale, with scale a constant [1, C]. */
function block(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, scale: tf.Tensor): tf.Tensor {
  return tf.mul(tf.tanh(tf.add(tf.matMul(x, w), b)), scale);
}

function refBlock(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>, s: ArrayLike<number>): Float64Array {
  const y = new Float64Array(N * C);
  for (let n = 0; n < N; n++)
    for (let j = 0; j < C; j++) {
      let acc = b[j];
      for (let i = 0; i < C; i++) acc += x[n * C + i] * w[i * C + j];
      y[n * C + j] = Math.tanh(acc) * s[j];
    }
  return y;
}

const W = [randn(C * C, 40, 0.5), randn(C * C, 41, 0.5)];
const Bv = [randn(C, 42), randn(C, 43)];
const S = randn(C, 44);

await describeEachBackend('recompute', (backend) => {
  it('two recomputed blocks in a row: forward and the input gradient against float64', () =>
    checkCase({
      inputs: [
        { shape: [N, C], data: randn(N * C, 45) },
        ...W.map((w) => ({ shape: [C, C], data: w, grad: false })),
        ...Bv.map((b) => ({ shape: [C], data: b, grad: false })),
        { shape: [1, C], data: S, grad: false },
      ],
      run: (x, w0, w1, b0, b1, s) => {
        const f = (w: tf.Tensor, b: tf.Tensor) => (xi: tf.Tensor, cs: readonly tf.Tensor[]) => block(xi, w, b, cs[0]);
        return recompute(f(w1, b1), recompute(f(w0, b0), x, [], [s]), [], [s]);
      },
      ref: (x) => refBlock(refBlock(x, W[0], Bv[0], S), W[1], Bv[1], S),
      outShape: [N, C],
      forward: tol(backend, 1e-5, 1e-5),
      gradient: tol(backend, 1e-4, 1e-4),
    }));

  it('variables read inside the blocks get the plain chain\'s gradients; replay runs once per block; the constant outlives its scope', async () => {
    await expectNoLeaks(async () => {
      const vars = tf.tidy(() => [...W.map((w) => tf.variable(tf.tensor2d(Float32Array.from(w), [C, C]))), ...Bv.map((b) => tf.variable(tf.tensor1d(Float32Array.from(b))))]);
      const x = tf.tensor2d(Float32Array.from(randn(N * C, 46)), [N, C]);
      const r = tf.tensor2d(Float32Array.from(randn(N * C, 47)), [N, C]);
      let replays = 0;
      const chain = (recomputed: boolean) => () =>
        tf.tidy(() => {
          const s = tf.tensor2d(Float32Array.from(S), [1, C]); // disposed when this tidy ends, before backward
          let h: tf.Tensor = x;
          for (const l of [0, 1]) {
            const f = (xi: tf.Tensor, cs: readonly tf.Tensor[]) => block(xi, vars[l], vars[2 + l], cs[0]);
            h = recomputed
              ? recompute(f, h, [vars[l], vars[2 + l]], [s], { replay: () => { replays++; return () => undefined; } })
              : f(h, [s]);
          }
          return tf.sum(tf.mul(h, r)) as tf.Scalar;
        });
      const a = tf.variableGrads(chain(true), vars);
      const b = tf.variableGrads(chain(false), vars);
      expect(replays).toBe(2);
      const k = tol(backend, 1e-6, 1e-5);
      expect(Math.abs((await read(a.value))[0] - (await read(b.value))[0])).toBeLessThan(k.atol + k.rtol);
      for (const v of vars) {
        const [ga, gb] = [await read(a.grads[v.name]), await read(b.grads[v.name])];
        ga.forEach((g, i) => expect(Math.abs(g - gb[i])).toBeLessThan(k.atol + k.rtol * Math.abs(gb[i])));
      }
      tf.dispose([x, r, a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads), ...vars]);
    });
  });
});
