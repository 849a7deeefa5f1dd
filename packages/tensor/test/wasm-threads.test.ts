// agon's GEMM on kernel threads (src/kernels/wasm/threads.ts): every matMul form — batched with
// broadcast batch dims, either side transposed, few rows, bias and every activation epilogue — on
// 2 and 3 threads gives the same bits as on one thread (the in-place path on tfjs' heap), agrees
// with a float64 loop within 1e-5 of Σ|a·b| per entry, and is bit-identical when run twice. The
// shapes are odd (no size a multiple of the micro-tile), run with the size threshold lowered to
// 0, and each case checks that the product went through the threads; the real threshold is
// checked on its own. Also: the split covers every output entry
// once, workers that left for idleness are replaced while the caller does their share, and
// threads: 1 stops them. (tools/test/pack.test.ts runs threads from the installed package in a
// process that exits by itself.)
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { initBackend } from '../src/index.js';
import { expectNoLeaks } from '../src/testing/index.js';
import { splitProduct } from '../src/kernels/wasm/split.js';
import { IDLE_MS, kernelPool, setKernelThreads, THREAD_MIN_FLOPS } from '../src/kernels/wasm/threads.js';
import { RESIDENT_MIN_BYTES } from '../src/kernels/wasm/matmul.js';
import { batchOffset } from './conformance/reference-ops.js';
import { randn } from './reference.js';

interface Case {
  name: string;
  aShape: number[];
  bShape: number[];
  ta: boolean;
  tb: boolean;
  bias?: number[];
  activation?: 'linear' | 'relu' | 'relu6' | 'leakyrelu' | 'prelu' | 'sigmoid' | 'elu';
}

const size = (s: number[]) => s.reduce((x, y) => x * y, 1);

/** [M, K] of op(a) and [K, N] of op(b), stored as the transposes say. */
function shapes(batchA: number[], batchB: number[], M: number, K: number, N: number, ta: boolean, tb: boolean) {
  return { aShape: [...batchA, ...(ta ? [K, M] : [M, K])], bShape: [...batchB, ...(tb ? [N, K] : [K, N])], ta, tb };
}

const CASES: Case[] = [
  { name: '2-D A·B, 131×157·157×101', ...shapes([], [], 131, 157, 101, false, false) },
  { name: '2-D A·Bᵀ, 97×211·211×131 (split by columns: N > M)', ...shapes([], [], 97, 211, 131, false, true) },
  { name: '2-D Aᵀ·B, 301×83·83×89', ...shapes([], [], 301, 83, 89, true, false) },
  { name: '2-D Aᵀ·Bᵀ, 131×157·157×101', ...shapes([], [], 131, 157, 101, true, true) },
  { name: 'few rows (3×613·613×1201): the unpacked path, split by columns', ...shapes([], [], 3, 613, 1201, false, false) },
  { name: 'batched [5]: 45×67·67×229, batches dealt out', ...shapes([5], [5], 45, 67, 229, false, true) },
  { name: 'batched [2] on more threads: 67×61·61×251, each entry cut', ...shapes([2], [2], 67, 61, 251, true, false) },
  { name: 'batched [2] A·Bᵀ on more threads: 9×33·33×301, each entry cut by columns (only their columns of B copied)', ...shapes([2], [2], 9, 33, 301, false, true) },
  { name: 'broadcast batch [2,1]·[3]: 37×53·53×197', ...shapes([2, 1], [3], 37, 53, 197, false, false) },
  { name: 'fused bias [N] + relu, 131×157·157×101', ...shapes([], [], 131, 157, 101, false, true), bias: [101], activation: 'relu' },
  { name: 'fused bias [M,1] + sigmoid', ...shapes([], [], 131, 157, 101, true, false), bias: [131, 1], activation: 'sigmoid' },
  { name: 'fused batched bias [3,1,N] + elu', ...shapes([3], [3], 45, 67, 229, false, false), bias: [3, 1, 229], activation: 'elu' },
  { name: 'fused leakyrelu', ...shapes([], [], 131, 157, 101, false, false), activation: 'leakyrelu' },
  { name: 'fused relu6 + prelu-free bias [1]', ...shapes([], [], 131, 157, 101, false, false), bias: [1], activation: 'relu6' },
  { name: 'fused prelu with weights [N]', ...shapes([], [], 131, 157, 101, false, false), bias: [101], activation: 'prelu' },
];

interface Inputs {
  a: Float32Array;
  b: Float32Array;
  bias?: Float32Array;
  prelu?: Float32Array;
}

function inputsOf(c: Case, seed: number): Inputs {
  const N = c.tb ? c.bShape.at(-2)! : c.bShape.at(-1)!;
  return {
    a: Float32Array.from(randn(size(c.aShape), seed)),
    b: Float32Array.from(randn(size(c.bShape), seed + 1)),
    bias: c.bias ? Float32Array.from(randn(size(c.bias), seed + 2)) : undefined,
    prelu: c.activation === 'prelu' ? Float32Array.from(randn(N, seed + 3, 0.3)) : undefined,
  };
}

/** The product on the current backend, read back. */
async function run(c: Case, x: Inputs): Promise<{ data: Float32Array; shape: number[] }> {
  const a = tf.tensor(x.a, c.aShape);
  const b = tf.tensor(x.b, c.bShape);
  const bias = x.bias && tf.tensor(x.bias, c.bias);
  const prelu = x.prelu && tf.tensor(x.prelu);
  const y = c.bias || c.activation
    ? tf.fused.matMul({ a, b, transposeA: c.ta, transposeB: c.tb, bias, activation: c.activation ?? 'linear', preluActivationWeights: prelu, leakyreluAlpha: 0.15 })
    : tf.matMul(a, b, c.ta, c.tb);
  const out = { data: (await y.data()) as Float32Array, shape: y.shape };
  tf.dispose([a, b, y, ...(bias ? [bias] : []), ...(prelu ? [prelu] : [])]);
  return out;
}

/** float64 act(op(a)·op(b) + bias) and Σ|a·b| per entry (for the tolerance). */
function reference(c: Case, x: Inputs, outShape: number[]): { y: Float64Array; mag: Float64Array } {
  const [M, N] = outShape.slice(-2);
  const K = c.ta ? c.aShape.at(-2)! : c.aShape.at(-1)!;
  const outBatch = outShape.slice(0, -2);
  const nb = size(outBatch);
  const y = new Float64Array(nb * M * N);
  const mag = new Float64Array(nb * M * N);
  const biasFull = c.bias ? [...new Array<number>(3 - c.bias.length).fill(1), ...c.bias] : undefined;
  for (let t = 0; t < nb; t++) {
    const oa = batchOffset(t, outBatch, c.aShape.slice(0, -2), M * K);
    const ob = batchOffset(t, outBatch, c.bShape.slice(0, -2), K * N);
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        let m = 0;
        for (let k = 0; k < K; k++) {
          const p = x.a[oa + (c.ta ? k * M + i : i * K + k)] * x.b[ob + (c.tb ? j * K + k : k * N + j)];
          s += p;
          m += Math.abs(p);
        }
        if (biasFull && x.bias) {
          const [db, dm, dn] = biasFull;
          const v = x.bias[(db === 1 ? 0 : t) * dm * dn + (dm === 1 ? 0 : i) * dn + (dn === 1 ? 0 : j)];
          s += v;
          m += Math.abs(v);
        }
        const act = c.activation ?? 'linear';
        if (act === 'relu') s = Math.max(0, s);
        else if (act === 'relu6') s = Math.min(6, Math.max(0, s));
        else if (act === 'leakyrelu') s = s < 0 ? 0.15 * s : s;
        else if (act === 'prelu') s = s < 0 ? x.prelu![j] * s : s;
        else if (act === 'sigmoid') s = 1 / (1 + Math.exp(-s));
        else if (act === 'elu') s = s < 0 ? Math.exp(s) - 1 : s;
        y[t * M * N + i * N + j] = s;
        mag[t * M * N + i * N + j] = m;
      }
  }
  return { y, mag };
}

const references = new Map<string, ReturnType<typeof reference>>();
function referenceOf(c: Case, x: Inputs, outShape: number[]) {
  if (!references.has(c.name)) references.set(c.name, reference(c, x, outShape));
  return references.get(c.name)!;
}

const bitsOf = (x: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);

describe('splitProduct', () => {
  it('gives every output entry to exactly one thread, rows in multiples of 4 (the rest to the last)', () => {
    for (const [batch, M, N] of [[1, 131, 101], [1, 3, 1201], [5, 45, 229], [2, 67, 251], [1, 9, 7], [3, 4, 4], [1, 1000, 8]]) {
      for (const threads of [1, 2, 3, 4, 7]) {
        const seen = new Uint8Array(batch * M * N);
        for (const share of splitProduct(batch, M, N, threads)) {
          for (const p of share) {
            const rows = p.i1 - p.i0;
            if (M >= 4) expect(rows).toBeGreaterThanOrEqual(4);
            for (let i = p.i0; i < p.i1; i++) for (let j = p.j0; j < p.j1; j++) seen[p.batch * M * N + i * N + j]++;
          }
        }
        expect(seen.every((v) => v === 1)).toBe(true);
        expect(splitProduct(batch, M, N, threads)).toHaveLength(Math.max(1, threads));
      }
    }
  });
});

describe('the thread count', () => {
  // Runs before any call here passes `threads` (a count asked for is kept by later calls).
  it('comes from AGON_THREADS when no call asked for one, and a bad value is an error naming it', async () => {
    try {
      process.env.AGON_THREADS = 'two';
      await expect(initBackend({ backend: 'wasm' })).rejects.toThrow("AGON_THREADS must be a whole number ≥ 1 (found 'two')");
      process.env.AGON_THREADS = '3';
      const info = await initBackend({ backend: 'wasm' });
      expect(info.reason).toContain('3 threads for matMul products of ≥ 32 MFLOP (AGON_THREADS=3)');
      expect(kernelPool()?.threads).toBe(3);
    } finally {
      delete process.env.AGON_THREADS;
    }
    // Asked for once, kept by a later call that does not say.
    expect((await initBackend({ backend: 'wasm', threads: 2 })).reason).toContain('(threads: 2 asked for)');
    expect((await initBackend({ backend: 'wasm' })).reason).toContain('2 threads');
    expect(kernelPool()?.threads).toBe(2);
    // The size threshold: asked for (and kept), or rejected naming the option.
    expect((await initBackend({ backend: 'wasm', threadMinFlops: 0 })).reason).toContain('2 threads for matMul products of ≥ 0 MFLOP');
    expect(kernelPool()?.minFlops).toBe(0);
    await expect(initBackend({ backend: 'wasm', threadMinFlops: -1 })).rejects.toThrow("initBackend: option 'threadMinFlops' must be a number ≥ 0 (found -1)");
  });
});

describe('wasm GEMM on kernel threads', () => {
  const single = new Map<string, Float32Array>();

  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 1 });
    expect(kernelPool()).toBeUndefined();
    for (const [i, c] of CASES.entries()) single.set(c.name, (await run(c, inputsOf(c, 100 + 10 * i))).data);
  });

  afterAll(async () => {
    await initBackend({ backend: 'wasm', threads: 1 });
  });

  it('splits products of at least THREAD_MIN_FLOPS (32 MFLOP) across the threads and keeps smaller ones on the caller', () =>
    expectNoLeaks(async () => {
      await initBackend({ backend: 'wasm', threads: 2, threadMinFlops: THREAD_MIN_FLOPS });
      const pool = kernelPool()!;
      expect(pool.minFlops).toBe(32e6);
      const product = (M: number) => tf.tidy(() => tf.matMul(tf.ones([M, 64]), tf.ones([64, 512]), false, false).dispose());
      const runs = pool.runs;
      product(Math.floor(THREAD_MIN_FLOPS / (2 * 64 * 512)) - 1);
      expect(pool.runs).toBe(runs);
      product(Math.ceil(THREAD_MIN_FLOPS / (2 * 64 * 512)));
      expect(pool.runs).toBe(runs + 1);
      await initBackend({ backend: 'wasm', threads: 1 });
    }),
  );

  for (const threads of [2, 3]) {
    describe(`threads: ${threads}`, () => {
      // Every product on the threads (threshold 0), so small odd shapes exercise every split.
      beforeAll(async () => {
        const info = await initBackend({ backend: 'wasm', threads });
        expect(info.reason).toContain(`${threads} threads for matMul products`);
        await setKernelThreads(threads, undefined, IDLE_MS, 0);
        expect(kernelPool()?.threads).toBe(threads);
        expect(kernelPool()?.liveWorkers()).toBe(threads - 1);
      });

      for (const [i, c] of CASES.entries()) {
        it(`${c.name}: the one-thread bits, float64 within 1e-5·Σ|a·b|, the same bits twice`, () =>
          expectNoLeaks(async () => {
            const x = inputsOf(c, 100 + 10 * i);
            const runsBefore = kernelPool()!.runs;
            const first = await run(c, x);
            expect(kernelPool()!.runs).toBe(runsBefore + 1);
            const second = await run(c, x);
            expect(bitsOf(second.data).equals(bitsOf(first.data))).toBe(true);
            expect(bitsOf(first.data).equals(bitsOf(single.get(c.name)!))).toBe(true);
            const { y, mag } = referenceOf(c, x, first.shape);
            let worst = 0;
            y.forEach((v, k) => (worst = Math.max(worst, Math.abs(first.data[k] - v) / (mag[k] + 1e-30))));
            expect(worst).toBeLessThan(1e-5);
          }),
        );
      }
    });
  }

  it('keeps a large B resident between products: the same tensor is copied once, another one replaces it, and every result is the one-thread bits', () =>
    expectNoLeaks(async () => {
      // W [2048, 640] is 5 MB (≥ RESIDENT_MIN_BYTES); A·Wᵀ as the output layer's chunks do, and A·W.
      const [M, K, N] = [37, 640, 2048];
      const a = tf.tensor(Float32Array.from(randn(M * K, 7)), [M, K]);
      const g = tf.tensor(Float32Array.from(randn(M * N, 8)), [M, N]);
      const w1 = tf.tensor(Float32Array.from(randn(N * K, 9)), [N, K]);
      const w2 = tf.tensor(Float32Array.from(randn(N * K, 10)), [N, K]);
      const products = () => [tf.matMul(a, w1, false, true), tf.matMul(g, w1), tf.matMul(a, w1, false, true), tf.matMul(a, w2, false, true), tf.matMul(g, w1)];
      const read = async (ts: tf.Tensor[]) => {
        const out = await Promise.all(ts.map(async (t) => (await t.data()) as Float32Array));
        tf.dispose(ts);
        return out;
      };
      await initBackend({ backend: 'wasm', threads: 1 });
      expect(RESIDENT_MIN_BYTES).toBeLessThanOrEqual(4 * N * K);
      const want = await read(products());
      await initBackend({ backend: 'wasm', threads: 2 });
      await setKernelThreads(2, undefined, IDLE_MS, 0);
      const pool = kernelPool()!;
      const before = pool.residentStats;
      const got = await read(products());
      // w1 copied, found twice, w2 copied in its place, w1 copied again.
      expect(pool.residentStats.copies - before.copies).toBe(3);
      expect(pool.residentStats.hits - before.hits).toBe(2);
      got.forEach((x, i) => expect(bitsOf(x).equals(bitsOf(want[i]))).toBe(true));
      tf.dispose([a, g, w1, w2]);
      await initBackend({ backend: 'wasm', threads: 1 });
    }),
  );

  it('rejects threads that are not a whole number ≥ 1', async () => {
    await expect(initBackend({ backend: 'wasm', threads: 0 })).rejects.toThrow("initBackend: option 'threads' must be a whole number ≥ 1 (found 0)");
    await expect(initBackend({ backend: 'wasm', threads: 1.5 })).rejects.toThrow('(found 1.5)');
  });

  it('a worker that left for idleness has its share done by the caller and is started again', () =>
    expectNoLeaks(async () => {
      await initBackend({ backend: 'wasm', threads: 1 });
      await setKernelThreads(2, undefined, 300, 0);
      const pool = kernelPool()!;
      expect(pool.liveWorkers()).toBe(1);
      const deadline = Date.now() + 10_000;
      while (pool.liveWorkers() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(pool.liveWorkers()).toBe(0);
      const c = CASES[0];
      const got = await run(c, inputsOf(c, 100));
      expect(pool.runs).toBe(1);
      expect(bitsOf(got.data).equals(bitsOf(single.get(c.name)!))).toBe(true);
      while (pool.liveWorkers() < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(pool.liveWorkers()).toBe(1);
      const again = await run(c, inputsOf(c, 100));
      expect(bitsOf(again.data).equals(bitsOf(single.get(c.name)!))).toBe(true);
      await initBackend({ backend: 'wasm', threads: 1 });
      expect(kernelPool()).toBeUndefined();
    }),
  );
});
