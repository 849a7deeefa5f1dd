// Each gpu.js kernel against a float64 reference, on the gpujs backend; every case also checks
// that a gpu.js kernel really ran (the compile counter moved) and that no tensor leaked.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { initBackend } from '@agon/tensor';
import { gpujsInfo } from '../src/index.js';
import { expectClose, noLeaks, rand, refBroadcast, refMatMul, startGpujs } from './helpers.js';

// GL's exp/log/sin/… are good to a few float32 ulps; sums are sequential float32 as on cpu.
const ATOL = 1e-6;
const RTOL = 1e-5;

beforeAll(async () => {
  await startGpujs();
});

/** Runs `fn` and asserts it ran a gpu.js kernel (i.e. did not fall back to the cpu kernels). */
async function onGpu(fn: () => Promise<void>): Promise<void> {
  const before = gpujsInfo()!.kernelRuns;
  await noLeaks(fn);
  expect(gpujsInfo()!.kernelRuns).toBeGreaterThan(before);
}

const unary: [string, (x: tf.Tensor) => tf.Tensor, (v: number) => number, number][] = [
  ['abs', tf.abs, Math.abs, 3],
  ['neg', tf.neg, (v) => -v, 3],
  ['exp', tf.exp, Math.exp, 10],
  ['log', (x) => tf.log(tf.abs(x)), (v) => Math.log(Math.abs(v)), 50],
  ['sqrt', (x) => tf.sqrt(tf.abs(x)), (v) => Math.sqrt(Math.abs(v)), 50],
  ['rsqrt', (x) => tf.rsqrt(tf.abs(x)), (v) => 1 / Math.sqrt(Math.abs(v)), 50],
  ['square', tf.square, (v) => v * v, 5],
  ['reciprocal', tf.reciprocal, (v) => 1 / v, 5],
  ['sigmoid', tf.sigmoid, (v) => 1 / (1 + Math.exp(-v)), 20],
  ['tanh', tf.tanh, Math.tanh, 5],
  ['relu', tf.relu, (v) => Math.max(v, 0), 3],
  ['sin', tf.sin, Math.sin, 4],
  ['cos', tf.cos, Math.cos, 4],
];

describe('unary kernels', () => {
  it.each(unary)('%s matches float64 Math', (name, op, ref, scale) =>
    onGpu(async () => {
      const x = rand(3 * 37, name.length, scale);
      const t = tf.tensor(Float32Array.from(x), [3, 37]);
      // log/sqrt/rsqrt take |x| first (abs runs on the GPU too).
      const y = tf.tidy(() => op(t));
      expect(y.shape).toEqual([3, 37]);
      expectClose(await y.data(), Float64Array.from(x, ref), ATOL, RTOL, name);
      tf.dispose([t, y]);
    }),
  );

  it('keeps IEEE edge values: exp overflow, log(0), sigmoid saturation', () =>
    onGpu(async () => {
      const [e, l, s] = tf.tidy(() => [
        tf.exp(tf.tensor1d([100, -200, 0])),
        tf.log(tf.tensor1d([0, 1, 2, 1e-30])),
        tf.sigmoid(tf.tensor1d([-100, 100, 0, 3])),
      ]);
      expect(Array.from(await e.data())).toEqual([Infinity, 0, 1]);
      expectClose(await l.data(), [-Infinity, 0, Math.log(2), Math.log(1e-30)], ATOL, RTOL, 'log');
      expectClose(await s.data(), [0, 1, 0.5, 1 / (1 + Math.exp(-3))], ATOL, RTOL, 'sigmoid');
      tf.dispose([e, l, s]);
    }),
  );
});

const binary: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, (x: number, y: number) => number][] = [
  ['add', tf.add, (x, y) => x + y],
  ['sub', tf.sub, (x, y) => x - y],
  ['mul', tf.mul, (x, y) => x * y],
  ['div', tf.div, (x, y) => x / y],
  ['maximum', tf.maximum, Math.max],
  ['minimum', tf.minimum, Math.min],
  ['squaredDifference', tf.squaredDifference, (x, y) => (x - y) ** 2],
];

const shapes: [number[], number[]][] = [
  [[3, 7], [3, 7]],
  [[2, 3, 4], [4]],
  [[2, 1, 4], [3, 1]],
  [[5], []],
  [[1, 6], [4, 1, 1]],
];

describe('binary kernels with broadcasting', () => {
  for (const [name, op, ref] of binary) {
    it.each(shapes)(`${name} %j with %j`, (aShape, bShape) =>
      onGpu(async () => {
        const a = rand(aShape.reduce((x, y) => x * y, 1), 11, 3);
        // Keep divisors away from 0 so the reference is well conditioned.
        const b = Float64Array.from(rand(bShape.reduce((x, y) => x * y, 1), 12, 3), (v) => (Math.abs(v) < 0.25 ? v + 0.5 : v));
        const ta = tf.tensor(Float32Array.from(a), aShape);
        const tb = tf.tensor(Float32Array.from(b), bShape);
        const y = op(ta, tb);
        const want = refBroadcast(a, aShape, b, bShape, ref);
        expect(y.shape).toEqual(want.shape);
        expectClose(await y.data(), want.values, ATOL, RTOL, `${name} ${aShape}×${bShape}`);
        tf.dispose([ta, tb, y]);
      }),
    );
  }
});

describe('reduction kernels', () => {
  const x = rand(4 * 5 * 6, 21, 2);
  const ref = (axes: number[], f: (vals: number[]) => number) => {
    const shape = [4, 5, 6];
    const keep = [0, 1, 2].filter((d) => !axes.includes(d));
    const outShape = keep.map((d) => shape[d]);
    const out = new Map<string, number[]>();
    for (let i = 0; i < x.length; i++) {
      const c = [Math.floor(i / 30), Math.floor(i / 6) % 5, i % 6];
      const k = keep.map((d) => c[d]).join(',');
      out.set(k, [...(out.get(k) ?? []), x[i]]);
    }
    return { outShape, values: Float64Array.from([...out.values()].map(f)) };
  };
  const sum = (v: number[]) => v.reduce((s, y) => s + y, 0);
  const cases: [string, (t: tf.Tensor, axes: number[]) => tf.Tensor, (v: number[]) => number][] = [
    ['sum', (t, a) => tf.sum(t, a), sum],
    ['mean', (t, a) => tf.mean(t, a), (v) => sum(v) / v.length],
    ['prod', (t, a) => tf.prod(t, a), (v) => v.reduce((p, y) => p * y, 1)],
    ['max', (t, a) => tf.max(t, a), (v) => Math.max(...v)],
    ['min', (t, a) => tf.min(t, a), (v) => Math.min(...v)],
  ];
  for (const [name, op, f] of cases) {
    it.each([[[2]], [[1]], [[0, 2]], [[0, 1, 2]]])(`${name} over axes %j`, (axes) =>
      onGpu(async () => {
        const t = tf.tensor(Float32Array.from(x), [4, 5, 6]);
        const y = op(t, axes);
        const want = ref(axes, f);
        expect(y.shape).toEqual(want.outShape);
        expectClose(await y.data(), want.values, 1e-5, RTOL, `${name} ${axes}`);
        tf.dispose([t, y]);
      }),
    );
  }

  it('keepDims keeps reduced axes as 1', () =>
    onGpu(async () => {
      const t = tf.tensor(Float32Array.from(x), [4, 5, 6]);
      const y = tf.sum(t, [0, 2], true);
      expect(y.shape).toEqual([1, 5, 1]);
      expectClose(await y.data(), ref([0, 2], sum).values, 1e-5, RTOL, 'sum keepDims');
      tf.dispose([t, y]);
    }),
  );

  it('argMax/argMin give int32 positions, the first one on ties', () =>
    onGpu(async () => {
      const t = tf.tensor2d([
        [1, 5, 5, -2],
        [-7, -7, 3, 3],
        [0, 0, 0, 0],
      ]);
      const mx = tf.argMax(t, 1);
      const mn = tf.argMin(t, 0);
      expect(mx.dtype).toBe('int32');
      expect(Array.from(await mx.data())).toEqual([1, 2, 0]);
      expect(Array.from(await mn.data())).toEqual([1, 1, 2, 0]);
      tf.dispose([t, mx, mn]);
    }),
  );
});

describe('matmul kernels', () => {
  // N = 8 takes the 4-columns-per-thread kernel in GL modes; N = 6 the one-per-thread kernel.
  it.each([
    [false, false, 6],
    [true, false, 6],
    [false, true, 6],
    [true, true, 6],
    [false, false, 8],
    [true, false, 8],
    [false, true, 8],
    [true, true, 8],
  ])('matMul [9, 13] × [13, N], transposeA=%s transposeB=%s, N=%i', (tA, tB, N) =>
    onGpu(async () => {
      const M = 9;
      const K = 13;
      const a = rand(M * K, 31);
      const b = rand(K * N, 32);
      const ta = tf.tensor(Float32Array.from(a), tA ? [K, M] : [M, K]);
      const tb = tf.tensor(Float32Array.from(b), tB ? [N, K] : [K, N]);
      const y = tf.matMul(ta, tb, tA, tB);
      expect(y.shape).toEqual([M, N]);
      expectClose(await y.data(), refMatMul(a, b, { batchA: 1, batchB: 1, M, K, N, tA, tB }), 1e-5, RTOL, 'matMul');
      tf.dispose([ta, tb, y]);
    }),
  );

  it.each([
    [[3, 4, 5], [3, 5, 2], 3, 3],
    [[1, 4, 5], [3, 5, 2], 1, 3],
    [[3, 4, 5], [1, 5, 2], 3, 1],
    [[2, 3, 4, 5], [2, 3, 5, 2], 6, 6],
  ])('batched matMul %j × %j (batch broadcast as on cpu)', (aShape, bShape, batchA, batchB) =>
    onGpu(async () => {
      const a = rand(aShape.reduce((x, y) => x * y, 1), 41);
      const b = rand(bShape.reduce((x, y) => x * y, 1), 42);
      const ta = tf.tensor(Float32Array.from(a), aShape);
      const tb = tf.tensor(Float32Array.from(b), bShape);
      const y = tf.matMul(ta, tb);
      const outer = aShape.length === 4 ? [2, 3] : [Math.max(batchA, batchB)];
      expect(y.shape).toEqual([...outer, 4, 2]);
      expectClose(await y.data(), refMatMul(a, b, { batchA, batchB, M: 4, K: 5, N: 2 }), 1e-5, RTOL, 'batched');
      tf.dispose([ta, tb, y]);
    }),
  );

  it.each([
    [[3, 4, 5], [1, 5, 8], 3, 1],
    [[1, 4, 5], [2, 5, 8], 1, 2],
  ])('batched matMul %j × %j with 4 columns per thread', (aShape, bShape, batchA, batchB) =>
    onGpu(async () => {
      const a = rand(aShape.reduce((x, y) => x * y, 1), 43);
      const b = rand(bShape.reduce((x, y) => x * y, 1), 44);
      const ta = tf.tensor(Float32Array.from(a), aShape);
      const tb = tf.tensor(Float32Array.from(b), bShape);
      const y = tf.matMul(ta, tb);
      expect(y.shape).toEqual([Math.max(batchA, batchB), 4, 8]);
      expectClose(await y.data(), refMatMul(a, b, { batchA, batchB, M: 4, K: 5, N: 8 }), 1e-5, RTOL, 'batched x4');
      tf.dispose([ta, tb, y]);
    }),
  );

  it('fused matMul + sigmoid without bias, 4 columns per thread', () =>
    onGpu(async () => {
      const a = rand(6 * 7, 65, 2);
      const b = rand(7 * 12, 66, 2);
      const ta = tf.tensor(Float32Array.from(a), [6, 7]);
      const tb = tf.tensor(Float32Array.from(b), [7, 12]);
      const y = tf.fused.matMul({ a: ta, b: tb, activation: 'sigmoid' });
      const want = refMatMul(a, b, { batchA: 1, batchB: 1, M: 6, K: 7, N: 12 }).map((v) => 1 / (1 + Math.exp(-v)));
      expectClose(await y.data(), want, 1e-6, RTOL, 'fused x4 sigmoid');
      tf.dispose([ta, tb, y]);
    }),
  );

  it('a long inner dimension (K = 700) stays accurate', () =>
    onGpu(async () => {
      const a = rand(3 * 700, 51);
      const b = rand(700 * 4, 52);
      const ta = tf.tensor(Float32Array.from(a), [3, 700]);
      const tb = tf.tensor(Float32Array.from(b), [700, 4]);
      const y = tf.matMul(ta, tb);
      expectClose(await y.data(), refMatMul(a, b, { batchA: 1, batchB: 1, M: 3, K: 700, N: 4 }), 1e-4, 1e-5, 'K=700');
      tf.dispose([ta, tb, y]);
    }),
  );

  const acts: [tf.fused.Activation, (v: number) => number][] = [
    ['linear', (v) => v],
    ['relu', (v) => Math.max(v, 0)],
    ['relu6', (v) => Math.min(Math.max(v, 0), 6)],
    ['elu', (v) => (v > 0 ? v : Math.exp(v) - 1)],
    ['sigmoid', (v) => 1 / (1 + Math.exp(-v))],
    ['leakyrelu', (v) => (v < 0 ? 0.1 * v : v)],
    ['prelu', (v) => v], // slope per column, applied below
  ];
  it.each(acts)('fused matMul + bias + %s in one kernel', (activation, f) =>
    onGpu(async () => {
      const a = rand(2 * 5 * 7, 61, 2);
      const b = rand(7 * 3, 62, 2);
      const bias = rand(3, 63);
      const slope = [0.5, -0.25, 2];
      const ta = tf.tensor(Float32Array.from(a), [2, 5, 7]);
      const tb = tf.tensor(Float32Array.from(b), [7, 3]);
      const tbias = tf.tensor1d(Float32Array.from(bias));
      const tslope = tf.tensor1d(slope);
      const y = tf.fused.matMul({
        a: ta,
        b: tb,
        bias: tbias,
        activation,
        leakyreluAlpha: 0.1,
        preluActivationWeights: activation === 'prelu' ? tslope : undefined,
      });
      const mm = refMatMul(a, b, { batchA: 2, batchB: 1, M: 5, K: 7, N: 3 });
      const want = mm.map((v, i) => {
        const s = v + bias[i % 3];
        return activation === 'prelu' ? (s < 0 ? Math.fround(slope[i % 3]) * s : s) : f(s);
      });
      expect(y.shape).toEqual([2, 5, 3]);
      expectClose(await y.data(), want, 1e-5, RTOL, `fused ${activation}`);
      tf.dispose([ta, tb, tbias, tslope, y]);
    }),
  );
});

describe('what gpu.js does not take runs on the cpu kernels', () => {
  it('batch dims broadcasting across each other ([2, 1] with [1, 3]) are left to the cpu kernel', () =>
    noLeaks(async () => {
      const before = gpujsInfo()!.kernelRuns;
      const a = tf.tensor(Float32Array.from(rand(2 * 2 * 3, 91)), [2, 1, 2, 3]);
      const b = tf.tensor(Float32Array.from(rand(3 * 3 * 2, 92)), [1, 3, 3, 2]);
      const product = async () => {
        try {
          const y = tf.matMul(a, b);
          const v = Array.from(await y.data());
          y.dispose();
          return { shape: y.shape, v };
        } catch (e) {
          return (e as Error).message;
        }
      };
      const onGpujs = await product();
      await initBackend({ backend: 'cpu' });
      const onCpu = await product();
      await initBackend({ backend: 'gpujs' });
      expect(onGpujs).toEqual(onCpu); // the same values, or the same error
      expect(gpujsInfo()!.kernelRuns).toBe(before);
      tf.dispose([a, b]);
    }));

  it('a reduction whose runs exceed 65536 values goes to the cpu kernel', () =>
    noLeaks(async () => {
      const before = gpujsInfo()!.kernelRuns;
      const x = tf.tensor1d(Float32Array.from({ length: 70000 }, (_, i) => (i % 7) - 3));
      const s = tf.sum(x);
      // 70000 = 7 · 10000 and each period of 7 sums to 0.
      expect(Array.from(await s.data())).toEqual([0]);
      expect(gpujsInfo()!.kernelRuns).toBe(before);
      tf.dispose([x, s]);
    }));

  it('outputs over 4M elements (float index limits) go to the cpu kernel', () =>
    noLeaks(async () => {
      const before = gpujsInfo()!.kernelRuns;
      const a = tf.fill([4097, 1024], 1.5);
      const b = tf.tensor1d(Float32Array.from({ length: 1024 }, (_, i) => i));
      const y = tf.add(a, b);
      const v = await y.data();
      expect([v[0], v[1023], v[4096 * 1024 + 5]]).toEqual([1.5, 1024.5, 6.5]);
      expect(gpujsInfo()!.kernelRuns).toBe(before);
      tf.dispose([a, b, y]);
    }));

  it('int32 matMul and add, gather and concat give exact results without compiling a kernel', () =>
    noLeaks(async () => {
      const before = gpujsInfo()!.kernelRuns;
      const a = tf.tensor2d([[1, 2], [3, 4]], [2, 2], 'int32');
      const [m, s, c] = tf.tidy(() => {
        const g = tf.gather(tf.tensor2d([[1, 2], [3, 4], [5, 6]]), tf.tensor1d([2, 0], 'int32'));
        return [tf.matMul(a, a), tf.add(a, tf.scalar(10, 'int32')), tf.concat([g, g], 1)];
      });
      expect(m.dtype).toBe('int32');
      expect(Array.from(await m.data())).toEqual([7, 10, 15, 22]);
      expect(Array.from(await s.data())).toEqual([11, 12, 13, 14]);
      expect(Array.from(await c.data())).toEqual([5, 6, 5, 6, 1, 2, 1, 2]);
      expect(gpujsInfo()!.kernelRuns).toBe(before);
      tf.dispose([a, m, s, c]);
    }),
  );
});

describe('softmax and addN kernels', () => {
  it.each([
    [[3, 2, 5]],
    [[4, 300]],
    [[7]],
  ])('softmax over the last axis of %j matches float64', (shape) =>
    onGpu(async () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const R = shape[shape.length - 1];
      const x = rand(n, 71, 30); // wide logits: exp would overflow without the max shift
      const t = tf.tensor(Float32Array.from(x), shape);
      const y = tf.softmax(t);
      const want = new Float64Array(n);
      for (let r = 0; r < n; r += R) {
        const row = x.subarray(r, r + R);
        const m = Math.max(...row);
        const s = row.reduce((acc, v) => acc + Math.exp(v - m), 0);
        row.forEach((v, j) => (want[r + j] = Math.exp(v - m) / s));
      }
      expect(y.shape).toEqual(shape);
      expectClose(await y.data(), want, 1e-6, 1e-5, `softmax ${shape}`);
      tf.dispose([t, y]);
    }),
  );

  it('softmax of a row masked with -1e9 everywhere is uniform (large max, exact sum)', () =>
    onGpu(async () => {
      // A log-sum-exp formulation rounds -1e9 + log(3) back to -1e9 in float32 and gives 1s.
      const t = tf.tensor2d([[-1e9, -1e9, -1e9], [0.25, -1e9, -1e9]]);
      const y = tf.softmax(t);
      expectClose(await y.data(), [1 / 3, 1 / 3, 1 / 3, 1, 0, 0], 1e-7, 1e-6, 'masked softmax');
      tf.dispose([t, y]);
    }),
  );

  it('addN sums up to 8 tensors in one kernel', () =>
    onGpu(async () => {
      const xs = [1, 2, 3, 4, 5].map((s) => rand(12, 80 + s));
      const ts = xs.map((v) => tf.tensor(Float32Array.from(v), [3, 4]));
      const y = tf.addN(ts);
      expectClose(await y.data(), xs[0].map((_, i) => xs.reduce((acc, v) => acc + v[i], 0)), 1e-6, 1e-6, 'addN');
      tf.dispose([...ts, y]);
    }),
  );
});
