// fusedAttention's wasm kernels on kernel threads (src/kernels/attention/threads.ts): forward
// outputs and the gradients of q, k and v on 2 and 3 threads are the same bits as on one thread
// (the in-place path on tfjs' heap, which the conformance suite checks against float64), with a
// causal mask, left padding with a hole, grouped heads and no mask; each call went through the
// threads; small calls stay on the caller under the real threshold.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { attentionMask, fusedAttention, initBackend } from '../src/index.js';
import { expectNoLeaks } from '../src/testing/index.js';
import { IDLE_MS, kernelPool, setKernelThreads, THREAD_MIN_FLOPS } from '../src/kernels/wasm/threads.js';
import { randn } from './reference.js';

interface Case {
  name: string;
  B: number;
  T: number;
  past: number;
  H: number;
  Hkv: number;
  D: number;
  /** Padding [B, past + T] (1 = attend), or none; `masked: false` runs without any mask. */
  padding?: number[][];
  masked: boolean;
}

const CASES: Case[] = [
  { name: 'causal, B 3, H 4 over Hkv 2, D 8', B: 3, T: 19, past: 0, H: 4, Hkv: 2, D: 8, masked: true },
  {
    name: '5 queries after 6 cached keys, padding with a hole in row 1, D 12',
    B: 2, T: 5, past: 6, H: 2, Hkv: 1, D: 12, masked: true,
    padding: [Array(11).fill(1), [0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1]],
  },
  { name: 'no mask, B 1, H 6 over Hkv 3, D 6', B: 1, T: 7, past: 3, H: 6, Hkv: 3, D: 6, masked: false },
];

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Forward output and the gradients of Σ w·o in q, k and v, as flat arrays. */
async function run(c: Case, seed: number): Promise<Float32Array[]> {
  const Tk = c.past + c.T;
  const q = tf.tensor(Float32Array.from(randn(c.B * c.T * c.H * c.D, seed)), [c.B, c.T, c.H, c.D]);
  const k = tf.tensor(Float32Array.from(randn(c.B * c.Hkv * Tk * c.D, seed + 1)), [c.B, c.Hkv, Tk, c.D]);
  const v = tf.tensor(Float32Array.from(randn(c.B * c.Hkv * Tk * c.D, seed + 2)), [c.B, c.Hkv, Tk, c.D]);
  const w = tf.tensor(Float32Array.from(randn(c.B * c.T * c.H * c.D, seed + 3)), [c.B, c.T, c.H, c.D]);
  const padding = c.padding ? tf.tensor2d(c.padding, [c.B, Tk], 'int32') : undefined;
  const mask = c.masked ? attentionMask({ queryLength: c.T, keyLength: Tk, padding }) : undefined;
  const f = (a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) => fusedAttention(a, b, d, mask);
  const o = f(q, k, v);
  const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(f(a, b, d), w)))([q, k, v]);
  const out = await Promise.all([o, ...grads].map(async (t) => (await t.data()) as Float32Array));
  tf.dispose([q, k, v, w, o, ...grads, ...(padding ? [padding] : []), ...(mask ? [mask] : [])]);
  return out;
}

describe('fused attention on kernel threads', () => {
  const single = new Map<string, Float32Array[]>();

  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 1 });
    expect(kernelPool()).toBeUndefined();
    for (const [i, c] of CASES.entries()) single.set(c.name, await run(c, 300 + 10 * i));
  });

  afterAll(async () => {
    await initBackend({ backend: 'wasm', threads: 1 });
  });

  for (const threads of [2, 3]) {
    describe(`threads: ${threads}`, () => {
      beforeAll(async () => {
        await initBackend({ backend: 'wasm', threads });
        await setKernelThreads(threads, undefined, IDLE_MS, 0);
        expect(kernelPool()?.liveWorkers()).toBe(threads - 1);
      });

      for (const [i, c] of CASES.entries()) {
        it(`${c.name}: forward and gradients are the one-thread bits`, () =>
          expectNoLeaks(async () => {
            const before = kernelPool()!.runs;
            const got = await run(c, 300 + 10 * i);
            // The forward alone, then inside tf.grads the forward again and the backward.
            expect(kernelPool()!.runs).toBe(before + 3);
            const want = single.get(c.name)!;
            got.forEach((a, n) => expect(bits(a).equals(bits(want[n]))).toBe(true));
          }),
        );
      }
    });
  }

  it('keeps calls below THREAD_MIN_FLOPS (4·B·H·T·Tk·D) on the calling thread', () =>
    expectNoLeaks(async () => {
      await initBackend({ backend: 'wasm', threads: 2, threadMinFlops: THREAD_MIN_FLOPS });
      const pool = kernelPool()!;
      const attend = (T: number) =>
        tf.tidy(() => {
          const q = tf.ones([2, T, 4, 8]);
          const kv = tf.ones([2, 2, T, 8]);
          fusedAttention(q, kv, kv, attentionMask({ queryLength: T })).dataSync();
        });
      const runs = pool.runs;
      attend(64); // 4·2·4·64·64·8 ≈ 1 MFLOP
      expect(pool.runs).toBe(runs);
      attend(640); // ≈ 105 MFLOP
      expect(pool.runs).toBe(runs + 1);
    }),
  );
});
