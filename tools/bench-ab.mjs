#!/usr/bin/env node
// CPU-time A/B of agon builds on stories260K (wasm), for comparing two commits on a shared machine
// where wall time is noisy: run it once per build root (a checkout with its packages built), in
// fresh processes, alternating.
//   node tools/bench-ab.mjs <root> train <batch> <seq>   → CPU ms per training step (1 warm-up + 4)
//   node tools/bench-ab.mjs <root> decode <batch>        → CPU ms of the whole decode measurement
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [rootArg, mode = 'train', bArg = '8', tArg = '256'] = process.argv.slice(2);
if (!rootArg) {
  console.error('usage: node tools/bench-ab.mjs <repo root> train|decode [batch] [seq]');
  process.exit(2);
}
const at = (p) => pathToFileURL(path.join(path.resolve(rootArg), p)).href;
const { initBackend } = await import(at('packages/tensor/dist/index.js'));
const { measureTrain, measureDecode } = await import(at('packages/cli/dist/bench/measure.js'));
const { loadBenchModel } = await import(at('packages/cli/dist/bench/models.js'));
const info = await initBackend({ backend: 'wasm' });
const loaded = await loadBenchModel('stories260K');
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const batch = Number(bArg);
const c0 = cpuMs();
if (mode === 'train') {
  const steps = 4;
  const warmup = 1;
  const m = await measureTrain(loaded, { batch, seq: Number(tArg), steps, warmup });
  const perStep = (cpuMs() - c0) / (steps + warmup);
  console.log(JSON.stringify({ root: rootArg, mode, cpuMsPerStep: Math.round(perStep), wallTokensPerS: Math.round(m.value), finalLoss: m.extra.finalLoss, backend: info.reason }));
} else {
  const m = await measureDecode(loaded, { batch, promptLen: 16, newTokens: 128 });
  console.log(JSON.stringify({ root: rootArg, mode, batch, cpuMsTotal: Math.round(cpuMs() - c0), wallTokensPerS: Math.round(m.value), backend: info.reason }));
}
