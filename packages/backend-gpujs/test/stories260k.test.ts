// The real stories260K model (llama2.c checkpoint shipped with @agon/models) on gpujs: its logits
// match the cpu backend's and run.c's published values, and greedy decoding picks the same tokens.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { initBackend, releaseBackend } from '@agon/tensor';
import { greedyGenerate, loadModel, STORIES_260K, type LoadedModel } from '@agon/models';
import { gpujsInfo } from '../src/index.js';
import { startGpujs } from './helpers.js';

// BOS " Once" " upon" " a" " time" "," " there" " was" (SOURCE.md's prompt, then run.c's greedy text).
const IDS = [1, 403, 407, 261, 378, 11, 389, 297];

async function logitsOn(backend: string, ids: number[]): Promise<{ logits: Float32Array; loaded: LoadedModel }> {
  await initBackend({ backend });
  const loaded = await loadModel(STORIES_260K);
  const x = tf.tensor2d([ids], [1, ids.length], 'int32');
  const { logits } = loaded.model.forward(x);
  const data = (await logits.data()) as Float32Array;
  tf.dispose([x, logits]);
  return { logits: data, loaded };
}

let cpu: LoadedModel;
let gpu: LoadedModel;
let cpuLogits: Float32Array;
let gpuLogits: Float32Array;
let before: number;

beforeAll(async () => {
  await startGpujs();
  before = tf.memory().numTensors;
  ({ logits: cpuLogits, loaded: cpu } = await logitsOn('cpu', IDS));
  const runsBefore = gpujsInfo()!.kernelRuns;
  ({ logits: gpuLogits, loaded: gpu } = await logitsOn('gpujs', IDS));
  // The forward pass really ran gpu.js kernels (matmuls, norms, softmax sums, …).
  expect(gpujsInfo()!.kernelRuns - runsBefore).toBeGreaterThan(50);
});

afterAll(async () => {
  cpu.model.dispose();
  gpu.model.dispose();
  expect(tf.memory().numTensors).toBe(before); // every weight and activation was freed
  await releaseBackend('gpujs');
});

it('logits of an 8-token forward pass match the cpu backend within 1e-3', () => {
  expect(gpuLogits.length).toBe(IDS.length * 512);
  let worst = 0;
  for (let i = 0; i < cpuLogits.length; i++) worst = Math.max(worst, Math.abs(gpuLogits[i] - cpuLogits[i]));
  console.log(`stories260K on gpujs (${gpujsInfo()!.mode}): max |logit - cpu logit| = ${worst.toExponential(2)}`);
  expect(worst).toBeLessThan(1e-3);
});

it("the top 5 after BOS are run.c's, with its values (SOURCE.md) within 1e-3", () => {
  const top5 = Array.from(gpuLogits.subarray(0, 512))
    .map((v, i) => [i, v] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5);
  expect(top5.map(([i]) => i)).toEqual([403, 385, 410, 317, 407]);
  [17.0235, 15.4062, 13.1083, 12.7692, 12.4181].forEach((v, k) => expect(Math.abs(top5[k][1] - v)).toBeLessThan(1e-3));
});

it('greedy decoding with the KV cache gives the same 14 tokens as on cpu, and run.c\'s text', async () => {
  const prompt = IDS.slice(0, 5);
  await initBackend({ backend: 'cpu' });
  const onCpu = await greedyGenerate(cpu.model, prompt, { steps: 14 });
  await initBackend({ backend: 'gpujs' });
  const n = tf.memory().numTensors;
  const onGpu = await greedyGenerate(gpu.model, prompt, { steps: 14 });
  expect(tf.memory().numTensors).toBe(n);
  expect(onGpu).toEqual(onCpu);
  expect(gpu.tokenizer.decode(onGpu)).toMatch(/^Once upon a time, there was a little girl named Lily/);
});
