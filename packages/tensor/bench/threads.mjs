#!/usr/bin/env node
// agon's wasm GEMM on 1 vs N kernel threads, per product shape: the products of a stories260K
// training step (8×256 tokens: dim 64, hidden 172, 8 heads of 8, 4 KV heads, vocabulary 512, the
// backward's transposed forms included) and a sweep of small products around the threshold under
// which products stay on one thread. Each timed call is one product (wasm kernels run when called,
// so no read-back is needed; reading 16 MB back would cost more than some products);
// medians over BENCH_ROUNDS × BENCH_CALLS calls (default 7 × 5).
//
//   node packages/tensor/bench/threads.mjs [threads, default 1,2]   (after building @agon/tensor)
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../dist/index.js';
import { kernelThreads } from '../dist/testing/index.js';

const counts = (process.argv[2] ?? '1,2').split(',').map(Number);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// [label, aShape, bShape, transposeA, transposeB]
const shapes = [
  ['q_proj x·Wᵀ', [2048, 64], [64, 64], false, true],
  ['k/v_proj x·Wᵀ', [2048, 64], [32, 64], false, true],
  ['gate/up x·Wᵀ', [2048, 64], [172, 64], false, true],
  ['down h·Wᵀ', [2048, 172], [64, 172], false, true],
  ['lm_head x·Wᵀ', [2048, 64], [512, 64], false, true],
  ['scores Q·Kᵀ', [64, 256, 8], [64, 256, 8], false, true],
  ['probs·V', [64, 256, 256], [64, 256, 8], false, false],
  ['dW gate dyᵀ·x', [2048, 172], [2048, 64], true, false],
  ['dx lm_head dy·W', [2048, 512], [512, 64], false, false],
  ['sweep 32×64·64×64', [32, 64], [64, 64], false, false],
  ['sweep 128×64·64×64', [128, 64], [64, 64], false, false],
  ['sweep 256×64·64×64', [256, 64], [64, 64], false, false],
  ['sweep 512×64·64×64', [512, 64], [64, 64], false, false],
  ['sweep 1024×64·64×64', [1024, 64], [64, 64], false, false],
];

const flopsOf = ([, a, b, ta, tb]) => {
  const M = ta ? a.at(-1) : a.at(-2);
  const K = ta ? a.at(-2) : a.at(-1);
  const N = tb ? b.at(-2) : b.at(-1);
  const batch = a.length > 2 ? a[0] : 1;
  return 2 * batch * M * N * K;
};

// Thread counts alternate in rounds (a round: each count's BENCH_CALLS calls), so a shared
// machine's changing load falls on every column alike; the median is over all calls of a count.
const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
const calls = Number(process.env.BENCH_CALLS ?? 5);
console.log((await initBackend({ backend: 'wasm', threads: Math.max(...counts) })).reason);
const table = new Map();
for (const s of shapes) {
  const [label, aShape, bShape, ta, tb] = s;
  const a = tf.randomUniform(aShape, -1, 1);
  const b = tf.randomUniform(bShape, -1, 1);
  const once = () => {
    const t0 = performance.now();
    const y = tf.matMul(a, b, ta, tb);
    y.dispose();
    return performance.now() - t0;
  };
  const times = new Map(counts.map((t) => [t, []]));
  const threaded = new Map();
  for (let r = 0; r < rounds; r++) {
    for (const threads of counts) {
      await initBackend({ backend: 'wasm', threads });
      once(); // warm: the threads' memory grown, the workers awake
      const before = kernelThreads().products;
      for (let i = 0; i < calls; i++) times.get(threads).push(once());
      threaded.set(threads, kernelThreads().products > before);
    }
  }
  tf.dispose([a, b]);
  for (const t of counts) table.set(`${label}|${t}`, { ms: median(times.get(t)), threaded: threaded.get(t) });
}
console.log(`\n| product | MFLOP | ${counts.map((t) => `${t} thread${t > 1 ? 's' : ''} ms`).join(' | ')} | speed-up |`);
console.log(`|---|---:|${counts.map(() => '---:').join('|')}|---:|`);
for (const s of shapes) {
  const cells = counts.map((t) => table.get(`${s[0]}|${t}`));
  const speed = cells[0].ms / cells[cells.length - 1].ms;
  console.log(`| ${s[0]} | ${(flopsOf(s) / 1e6).toFixed(1)} | ${cells.map((c) => `${c.ms.toFixed(2)}${c.threaded ? '' : ' (1 thread)'}`).join(' | ')} | ${speed.toFixed(2)}× |`);
}
await initBackend({ backend: 'wasm', threads: 1 });
