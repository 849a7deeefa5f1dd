// Forward-pass time of the shipped stories260K (no cache, full causal attention) for batch 1 and
// 32. Run after building: npx tsc -p packages/tensor/tsconfig.lib.json && npx tsc -p
// packages/models/tsconfig.lib.json && node packages/models/bench/forward.mjs [backend] [T...]
// Prints one JSON line per (B, T): median of 5 timed passes after 2 warm-ups, each pass ending when
// the logits are read back (await data()), so queued GPU work is counted. `cpu_ms` is this
// process's CPU time per pass (user + system): on a shared, loaded machine it is the steadier
// figure for cpu/wasm (single-threaded here), while wall time includes waiting for a core.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agon/tensor';
import { loadModel, STORIES_260K } from '@agon/models';

const backend = process.argv[2] ?? 'wasm';
const lengths = process.argv.slice(3).map(Number);
const info = await initBackend({ backend });
const { model } = await loadModel(STORIES_260K);

async function pass(B, T) {
  const ids = tf.randomUniform([B, T], 0, 512, 'int32');
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const { logits } = model.forward(ids);
  await logits.data();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  tf.dispose([ids, logits]);
  return { ms, cpu: (c.user + c.system) / 1000 };
}

for (const T of lengths.length ? lengths : [64, 256]) {
  for (const B of [1, 32]) {
    for (let i = 0; i < 2; i++) await pass(B, T);
    const runs = [];
    for (let i = 0; i < 5; i++) runs.push(await pass(B, T));
    const med = (xs) => xs.sort((a, b) => a - b)[2];
    const wall = med(runs.map((r) => r.ms));
    const cpu = med(runs.map((r) => r.cpu));
    console.log(JSON.stringify({ model: 'stories260K', backend: info.backend, B, T, median_ms: +wall.toFixed(1),
      cpu_ms: +cpu.toFixed(1), tokens_per_s_cpu: Math.round((B * T) / (cpu / 1000)), min_ms: +Math.min(...runs.map((r) => r.ms)).toFixed(1) }));
  }
}
model.dispose();
