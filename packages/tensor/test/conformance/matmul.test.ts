// Conformance of every matMul form — 2-D and batched (equal, broadcast and missing batch dims),
// either side transposed, few rows (the unpacked path) and sizes past every blocking constant of
// the wasm GEMM (MC 64, KC 256, NC 256), fused bias and activation epilogues — against a float64
// loop, with gradients by finite differences on the small cases. On wasm these run agon's GEMM.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from '@jest/globals';
import { describeEachBackend } from '../../src/testing/index.js';
import { randn } from '../reference.js';
import { checkCase, tol } from './check.js';
import { batchOffset } from './reference-ops.js';

interface Form {
  aShape: number[];
  bShape: number[];
  ta: boolean;
  tb: boolean;
}

/** Output shape of op(a)·op(b) with numpy broadcasting of the batch dimensions. */
function outShapeOf({ aShape, bShape, ta, tb }: Form): number[] {
  const M = ta ? aShape.at(-1)! : aShape.at(-2)!;
  const N = tb ? bShape.at(-2)! : bShape.at(-1)!;
  const ba = aShape.slice(0, -2);
  const bb = bShape.slice(0, -2);
  const r = Math.max(ba.length, bb.length);
  const pa = [...new Array<number>(r - ba.length).fill(1), ...ba];
  const pb = [...new Array<number>(r - bb.length).fill(1), ...bb];
  return [...pa.map((d, i) => Math.max(d, pb[i])), M, N];
}

/** float64 op(a)·op(b). */
function refMatMul(f: Form, a: Float64Array, b: Float64Array): Float64Array {
  const out = outShapeOf(f);
  const [M, N] = out.slice(-2);
  const K = f.ta ? f.aShape.at(-2)! : f.aShape.at(-1)!;
  const batch = out.slice(0, -2);
  const nb = batch.reduce((x, y) => x * y, 1);
  const y = new Float64Array(nb * M * N);
  for (let t = 0; t < nb; t++) {
    const oa = batchOffset(t, batch, f.aShape.slice(0, -2), M * K);
    const ob = batchOffset(t, batch, f.bShape.slice(0, -2), K * N);
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a[oa + (f.ta ? k * M + i : i * K + k)] * b[ob + (f.tb ? j * K + k : k * N + j)];
        y[t * M * N + i * N + j] = s;
      }
  }
  return y;
}

const size = (s: number[]) => s.reduce((x, y) => x * y, 1);

function formCase(backend: string, f: Form, seed: number, gradient: boolean) {
  return checkCase({
    inputs: [
      { shape: f.aShape, data: randn(size(f.aShape), seed) },
      { shape: f.bShape, data: randn(size(f.bShape), seed + 1) },
    ],
    run: (a, b) => tf.matMul(a, b, f.ta, f.tb),
    ref: (a, b) => refMatMul(f, a, b),
    outShape: outShapeOf(f),
    forward: tol(backend, 1e-4, 1e-5),
    gradient: gradient ? tol(backend, 1e-4, 1e-4) : undefined,
  });
}

/** [M, K] of op(a) and [K, N] of op(b) stored as the transposes say. */
function form(batchA: number[], batchB: number[], M: number, K: number, N: number, ta: boolean, tb: boolean): Form {
  return { aShape: [...batchA, ...(ta ? [K, M] : [M, K])], bShape: [...batchB, ...(tb ? [N, K] : [K, N])], ta, tb };
}

const TRANSPOSES = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
] as const;

// numpy broadcasting of batch dims against each other ([2,1] with [3] → [2,3]): agon's wasm GEMM
// does it; tfjs' cpu kernel flattens the batch dims instead (60 values where numpy has 120), so
// these cases run on wasm only, against float64.
function wasmOnlyCases(): void {
  it('[2,1,4,3]·[3,3,5] → [2,3,4,5] against float64', async () => {
    const f = form([2, 1], [3], 4, 3, 5, false, false);
    const a = randn(size(f.aShape), 41);
    const b = randn(size(f.bShape), 42);
    const y = tf.matMul(tf.tensor(Float32Array.from(a), f.aShape), tf.tensor(Float32Array.from(b), f.bShape));
    expect(y.shape).toEqual([2, 3, 4, 5]);
    const want = refMatMul(f, Float64Array.from(Float32Array.from(a)), Float64Array.from(Float32Array.from(b)));
    const got = await y.data();
    want.forEach((v, i) => expect(Math.abs(got[i] - v)).toBeLessThan(1e-5 + 1e-5 * Math.abs(v)));
    tf.dispose(y);
  });

  it('rejects int32 operands naming the dtype', () => {
    const a = tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32');
    expect(() => tf.matMul(a, a)).toThrow('BatchMatMul (wasm): only float32 operands are supported; got int32 and int32');
    a.dispose();
  });
}

await describeEachBackend('matMul forms', (backend) => {
  for (const [ta, tb] of TRANSPOSES) {
    const tag = `${ta ? 'Aᵀ' : 'A'}·${tb ? 'Bᵀ' : 'B'}`;
    it(`2-D ${tag}, 9×7·7×11: forward and gradients`, () => formCase(backend, form([], [], 9, 7, 11, ta, tb), 10, true));
    it(`2-D ${tag}, few rows (2×13·13×5): forward and gradients`, () => formCase(backend, form([], [], 2, 13, 5, ta, tb), 20, true));
    it(`batched ${tag}, [3]·[3]: forward and gradients`, () => formCase(backend, form([3], [3], 5, 6, 4, ta, tb), 30, true));
    // tfjs' matMul gradient does not reduce over broadcast batch dimensions: forward only.
    it(`batched ${tag}, broadcast [3]·[1]: forward`, () => formCase(backend, form([3], [1], 4, 3, 5, ta, tb), 40, false));
    it(`batched ${tag}, rank-2 B against [2,2]: forward`, () => formCase(backend, form([2, 2], [], 5, 4, 3, ta, tb), 50, false));
    it(`${tag} past every block size, 70×300·300×270: forward`, () => formCase(backend, form([], [], 70, 300, 270, ta, tb), 60, false));
    // One panel of columns (attention against a head of 8) reads A in place: full and partial panels, K past a block.
    it(`${tag} narrow, 68×300·300×8 and batched [2]·[2] 12×9·9×5: forward and gradients`, async () => {
      await formCase(backend, form([], [], 68, 300, 8, ta, tb), 62, false);
      await formCase(backend, form([2], [2], 12, 9, 5, ta, tb), 64, true);
    });
  }
  it('one row against a wide B (decode-like, 1×40·40×1000, Bᵀ): forward', () => formCase(backend, form([], [], 1, 40, 1000, false, true), 70, false));
  it('two rows against a wide B, columns past two L1 blocks (2×30·30×1100): forward', () => formCase(backend, form([], [], 2, 30, 1100, false, false), 75, false));
  it('three rows, K not a multiple of 8 (3×37·37×19): forward and gradients', () => formCase(backend, form([], [], 3, 37, 19, false, true), 80, true));
  if (backend === 'wasm') wasmOnlyCases();
});

const ACTIVATIONS: Record<string, (v: number, slope: number) => number> = {
  linear: (v) => v,
  relu: (v) => Math.max(v, 0),
  relu6: (v) => Math.min(Math.max(v, 0), 6),
  leakyrelu: (v) => (v < 0 ? 0.3 * v : v),
  prelu: (v, s) => (v < 0 ? s * v : v),
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  elu: (v) => (v < 0 ? Math.exp(v) - 1 : v),
};

await describeEachBackend('fused matMul (bias + activation)', (backend) => {
  const [M, K, N] = [6, 5, 9];
  const f = form([2], [2], M, K, N, false, true);
  for (const [name, act] of Object.entries(ACTIVATIONS)) {
    it(`${name}, bias [N]: forward`, () =>
      checkCase({
        inputs: [
          { shape: f.aShape, data: randn(2 * M * K, 90) },
          { shape: f.bShape, data: randn(2 * K * N, 91) },
          { shape: [N], data: randn(N, 92) },
          { shape: [N], data: randn(N, 93, 0.5) },
        ],
        run: (a, b, bias, slope) =>
          tf.fused.matMul({ a, b, transposeB: true, bias, activation: name as tf.fused.Activation, preluActivationWeights: name === 'prelu' ? slope : undefined, leakyreluAlpha: 0.3 }),
        ref: (a, b, bias, slope) => {
          const y = refMatMul(f, a, b);
          return y.map((v, i) => act(v + bias[i % N], slope[i % N]));
        },
        outShape: [2, M, N],
        forward: tol(backend, 1e-5, 1e-5),
      }));
  }

  // tfjs-backend-wasm's own kernel accepts only a rank-1 bias: this case runs only on agon's.
  it('linear, bias [M, N] broadcast over the batch: forward and gradients', () =>
    checkCase({
      inputs: [
        { shape: f.aShape, data: randn(2 * M * K, 94) },
        { shape: f.bShape, data: randn(2 * K * N, 95) },
        { shape: [M, N], data: randn(M * N, 96) },
      ],
      run: (a, b, bias) => tf.fused.matMul({ a, b, transposeB: true, bias }),
      ref: (a, b, bias) => refMatMul(f, a, b).map((v, i) => v + bias[i % (M * N)]),
      outShape: [2, M, N],
      forward: tol(backend, 1e-5, 1e-5),
      gradient: tol(backend, 1e-4, 1e-4),
    }));

});
