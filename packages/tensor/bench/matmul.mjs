#!/usr/bin/env node
// Matmul throughput per backend: node packages/tensor/bench/matmul.mjs [sizes] [backends]
// e.g. `node packages/tensor/bench/matmul.mjs 512,1024 cpu,wasm,webgpu` after
// `npx tsc -p packages/tensor/tsconfig.lib.json`. Each timing is one n×n·n×n product plus the
// read-back of its result (`await data()`, which is what makes a GPU finish); the median of the
// runs is printed as GFLOP/s = 2n³ / seconds.
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, releaseBackend } from '../dist/index.js';

const sizes = (process.argv[2] ?? '512,1024').split(',').map(Number);
const backends = (process.argv[3] ?? 'cpu,wasm,webgpu').split(',');
const runs = Number(process.env.BENCH_RUNS ?? 5);

// Without a GPU, WebGPU needs a software Vulkan ICD; Dawn accepts SwiftShader (not lavapipe).
const swiftshader = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(swiftshader)) process.env.VK_ICD_FILENAMES = swiftshader;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (const backend of backends) {
  let info;
  try {
    info = await initBackend({ backend, allowSoftwareGpu: true });
  } catch (err) {
    console.log(`${backend}: skipped (${err.message})`);
    continue;
  }
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
    await once(); // warm-up: compiles shaders / grows the wasm heap
    const times = [];
    for (let i = 0; i < runs; i++) times.push(await once());
    const s = median(times);
    console.log(
      `${backend.padEnd(7)} n=${String(n).padEnd(5)} median ${(s * 1000).toFixed(1).padStart(8)} ms  ` +
        `${((2 * n ** 3) / s / 1e9).toFixed(2).padStart(7)} GFLOP/s  (${runs} runs; ${info.reason})`,
    );
    tf.dispose([a, b]);
  }
  await releaseBackend(backend);
}
