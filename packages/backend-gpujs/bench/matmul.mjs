#!/usr/bin/env node
// Matmul throughput of the gpujs backend (and cpu as the baseline, in the same process):
//   npx tsc -p packages/tensor/tsconfig.lib.json && npx tsc -p packages/backend-gpujs/tsconfig.lib.json
//   xvfb-run -a node packages/backend-gpujs/bench/matmul.mjs [sizes] [backends]
// Each timing is one n×n·n×n product plus the read-back of its result; the kernel is compiled in
// a warm-up call first. The median of the runs is printed as GFLOP/s = 2n³ / seconds.
// AGON_GPUJS_MODE picks the gpu.js mode (default: auto; headlessgl under xvfb-run).
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, releaseBackend } from '@agon/tensor';
import { gpujsInfo, registerGpujsProvider } from '../dist/index.js';

const sizes = (process.argv[2] ?? '256,512,1024').split(',').map(Number);
const backends = (process.argv[3] ?? 'gpujs,cpu').split(',');
const runs = Number(process.env.BENCH_RUNS ?? 3);
registerGpujsProvider({ mode: process.env.AGON_GPUJS_MODE ?? 'auto' });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (const backend of backends) {
  const info = await initBackend({ backend });
  const label = backend === 'gpujs' ? `gpujs/${gpujsInfo().mode}` : backend;
  for (const n of sizes) {
    const a = tf.randomUniform([n, n], -1, 1);
    const b = tf.randomUniform([n, n], -1, 1);
    const once = async () => {
      const t0 = performance.now();
      const c = tf.matMul(a, b);
      await c.data();
      c.dispose();
      return (performance.now() - t0) / 1000;
    };
    const t0 = performance.now();
    await once(); // warm-up: compiles the kernel
    const first = (performance.now() - t0) / 1000;
    const times = [];
    for (let i = 0; i < runs; i++) times.push(await once());
    const s = median(times);
    console.log(
      `${label.padEnd(16)} n=${String(n).padEnd(5)} median ${(s * 1000).toFixed(1).padStart(8)} ms  ` +
        `${((2 * n ** 3) / s / 1e9).toFixed(2).padStart(6)} GFLOP/s  (first call ${(first * 1000).toFixed(0)} ms; ${runs} runs; ${info.reason})`,
    );
    tf.dispose([a, b]);
  }
  await releaseBackend(backend);
}
