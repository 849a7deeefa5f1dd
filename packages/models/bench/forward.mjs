// Forward-pass time of the shipped stories260K (no cache, full causal attention) for batch 1 and
// 32. Run after building: npx tsc -p packages/tensor/tsconfig.lib.json && npx tsc -p
// packages/models/tsconfig.lib.json && node packages/models/bench/forward.mjs [backend] [T...]
// Prints one JSON line per (B, T): median of 5 timed passes after 2 warm-ups, each pass ending when
// the logits are read back (await data()), so queued GPU work is counted.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agon/tensor';
import { loadModel, STORIES_260K } from '@agon/models';

const backend = process.argv[2] ?? 'wasm';
const lengths = process.argv.slice(3).map(Number);
const info = await initBackend({ backend });
const { model } = await loadModel(STORIES_260K);

async function pass(B, T) {
  const ids = tf.randomUniform([B, T], 0, 512, 'int32');
  const t0 = performance.now();
  const { logits } = model.forward(ids);
  await logits.data();
  const ms = performance.now() - t0;
  tf.dispose([ids, logits]);
  return ms;
}

for (const T of lengths.length ? lengths : [64, 256]) {
  for (const B of [1, 32]) {
    for (let i = 0; i < 2; i++) await pass(B, T);
    const times = [];
    for (let i = 0; i < 5; i++) times.push(await pass(B, T));
    times.sort((a, b) => a - b);
    const median = times[2];
    console.log(JSON.stringify({ model: 'stories260K', backend: info.backend, B, T, median_ms: +median.toFixed(2),
      tokens_per_s: Math.round((B * T) / (median / 1000)), min_ms: +times[0].toFixed(2) }));
  }
}
model.dispose();
