#!/usr/bin/env node
// stories260K forward-pass time on gpujs and cpu (same process): one [1, T] pass, logits read back.
//   npx nx run-many -t build -p @agon/backend-gpujs @agon/models
//   xvfb-run -a node packages/backend-gpujs/bench/forward.mjs [T] [backends]
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, releaseBackend } from '@agon/tensor';
import { loadModel, STORIES_260K } from '@agon/models';
import { gpujsInfo, registerGpujsProvider } from '../dist/index.js';

const T = Number(process.argv[2] ?? 32);
const backends = (process.argv[3] ?? 'gpujs,cpu').split(',');
const runs = Number(process.env.BENCH_RUNS ?? 5);
registerGpujsProvider({ mode: process.env.AGON_GPUJS_MODE ?? 'auto' });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (const backend of backends) {
  await initBackend({ backend });
  const label = backend === 'gpujs' ? `gpujs/${gpujsInfo().mode}` : backend;
  const { model } = await loadModel(STORIES_260K);
  const ids = tf.tensor2d([Array.from({ length: T }, (_, i) => (i * 37) % 512)], [1, T], 'int32');
  const once = async () => {
    const t0 = performance.now();
    const { logits } = model.forward(ids);
    await logits.data();
    logits.dispose();
    return performance.now() - t0;
  };
  const first = await once(); // compiles the kernels
  const times = [];
  for (let i = 0; i < runs; i++) times.push(await once());
  console.log(`${label.padEnd(16)} T=${T}  median ${median(times).toFixed(1).padStart(7)} ms  (first ${first.toFixed(0)} ms; ${runs} runs)`);
  ids.dispose();
  model.dispose();
  await releaseBackend(backend);
}
