// generate on the real stories260K model samples in the WGSL AgonSampleTokens kernel on webgpu
// (SwiftShader here): one backend read of B·3 numbers a decoding step; greedy gives cpu's tokens;
// sampled, the kernel (float32) gives the ids of the host path that reads webgpu's own logits back
// and samples them in float64 (these prompts and seeds have no near-tie at a draw or cut-off
// boundary), and both log-probs within 1e-4.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, releaseBackend, watchDispatches } from '@agon/tensor';
import { backendsUnderTest, probeBackend, requiredBackends } from '@agon/tensor/testing';
import { generate, loadModel, STORIES_260K, type GenerateOptions, type LoadedModel } from '@agon/models';
import type { Completion } from '@agon/core';

const TOL = 1e-4;
const webgpu = backendsUnderTest().includes('webgpu') ? await probeBackend('webgpu') : 'not under test (AGON_BACKENDS)';
const required = requiredBackends().includes('webgpu');
if (webgpu !== true && !required) console.warn(`skipping generate through the WGSL sampler: ${webgpu}`);
const suite = webgpu === true || required ? describe : describe.skip;

function expectSameCompletions(got: Completion[], want: Completion[], label: string): void {
  expect(got.map((c) => [label, c.ids, c.finishReason])).toEqual(want.map((c) => [label, c.ids, c.finishReason]));
  for (let r = 0; r < got.length; r++) {
    for (let i = 0; i < got[r].ids.length; i++) {
      expect(Math.abs(got[r].logprobs[i] - want[r].logprobs[i])).toBeLessThanOrEqual(TOL);
      expect(Math.abs(got[r].samplingLogprobs[i] - want[r].samplingLogprobs[i])).toBeLessThanOrEqual(TOL);
    }
  }
}

suite('generate through the WGSL sampling kernel on stories260K [webgpu]', () => {
  const base: GenerateOptions = { maxNewTokens: 6, stopIds: [], microBatchSize: 3 };
  let m: LoadedModel;
  let prompts: number[][];
  let greedyOnCpu: Completion[];
  beforeAll(async () => {
    if (webgpu !== true) throw new Error(`webgpu is required but could not start: ${webgpu}`);
    await initBackend({ backend: 'cpu' });
    const cpu = await loadModel(STORIES_260K);
    prompts = ['Once upon a time', 'Lily and Ben went to the park. They', 'The cat'].map((t) => cpu.tokenizer.encode(t, { bos: true }));
    greedyOnCpu = await generate(cpu.model, cpu.tokenizer, prompts, { ...base, temperature: 0 });
    cpu.model.dispose();
    await initBackend({ backend: 'webgpu', allowSoftwareGpu: true });
    m = await loadModel(STORIES_260K);
  }, 120_000);
  afterAll(async () => {
    m?.model.dispose();
    await releaseBackend('webgpu');
  });

  it('greedy: the tokens cpu gives, reading B·3 numbers a step', async () => {
    const before = tf.memory().numTensors;
    const w = watchDispatches();
    const onGpu = await generate(m.model, m.tokenizer, prompts, { ...base, temperature: 0 });
    const counts = w.counts();
    w.stop();
    expect(tf.memory().numTensors).toBe(before);
    expect([counts.reads, counts.valuesRead]).toEqual([6, 6 * 3 * 3]);
    expectSameCompletions(onGpu, greedyOnCpu, 'greedy');
  }, 300_000);

  for (const shape of [{ temperature: 1 }, { temperature: 0.7, topK: 40, topP: 0.9, minP: 0.05 }] as Partial<GenerateOptions>[]) {
    it(`${JSON.stringify(shape)}: the kernel's ids are the float64 host path's, log-probs within 1e-4`, async () => {
      const before = tf.memory().numTensors;
      const opts: GenerateOptions = { ...base, ...shape, seed: 3 };
      const viaKernel = await generate(m.model, m.tokenizer, prompts, opts);
      const onHost = await generate(m.model, m.tokenizer, prompts, { ...opts, samplingKernel: false });
      expect(tf.memory().numTensors).toBe(before);
      expectSameCompletions(viaKernel, onHost, JSON.stringify(shape));
    }, 300_000);
  }
});
