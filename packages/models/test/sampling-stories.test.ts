// The sampler on the real stories260K model: log-probs reported at sampling time equal those of
// one full forward pass over prompt + completion, greedy reproduces run.c, seeds reproduce, the
// micro-batch split changes nothing, finished rows leave the batch, and memory stays flat.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM, ForwardOptions } from '@agon/core';
import { initBackend, tokenLogprobs } from '@agon/tensor';
import { describeEachBackend, expectNoLeaks } from '@agon/tensor/testing';
import { createSampler, generate, loadModel, STORIES_260K, type LoadedModel } from '@agon/models';

const greedy64 = readFileSync(new URL('./llama2c-golden/greedy64-once.txt', import.meta.url), 'utf8');

/** log π(completion | prompt) per token, by one forward pass over the whole sequence (no cache, no padding). */
async function fullForwardLogprobs(model: CausalLM, prompt: number[], completion: number[]): Promise<number[]> {
  const seq = [...prompt, ...completion];
  const out = tf.tidy(() => {
    const { logits } = model.forward(tf.tensor2d([seq.slice(0, -1)], [1, seq.length - 1], 'int32'));
    return tokenLogprobs(logits, tf.tensor2d([seq.slice(1)], [1, seq.length - 1], 'int32'));
  });
  const all = Array.from(await out.data());
  out.dispose();
  return all.slice(prompt.length - 1);
}

/** Wraps a model to record the batch size of every forward call. */
function recording(model: CausalLM, sizes: number[]): CausalLM {
  return {
    config: model.config,
    forward: (ids: tf.Tensor2D, opts?: ForwardOptions) => {
      sizes.push(ids.shape[0]);
      return model.forward(ids, opts);
    },
    trainableVariables: () => model.trainableVariables(),
    dispose: () => model.dispose(),
  };
}

await describeEachBackend('generate on stories260K', (backend) => {
  let m: LoadedModel;
  let prompts: number[][];
  beforeAll(async () => {
    m = await loadModel(STORIES_260K);
    prompts = ['Once upon a time', 'The cat', 'Lily and Ben went to the park. They'].map((t) => m.tokenizer.encode(t, { bos: true }));
  });
  afterAll(() => m.model.dispose());
  // SwiftShader (webgpu on a CPU) takes seconds per decode step: on webgpu the log-prob exactness
  // and greedy checks run on a few tokens; the decoding-loop logic is backend-independent and is
  // covered on cpu and wasm.
  const gpu = backend === 'webgpu';
  const steps = gpu ? 4 : 24;
  const loopIt = gpu ? it.skip : it;

  it('reports log-probs equal to a full forward pass over prompt + completion (1e-4), for rows of different lengths', () =>
    expectNoLeaks(async () => {
      const out = await generate(m.model, m.tokenizer, prompts, { maxNewTokens: steps, temperature: 1, topP: 0.9, seed: 3, stopIds: m.eosIds });
      for (let i = 0; i < prompts.length; i++) {
        const c = out[i];
        expect(c.ids.length).toBeGreaterThan(0);
        expect(c.logprobs).toHaveLength(c.ids.length);
        expect(c.samplingLogprobs).toHaveLength(c.ids.length);
        const ref = await fullForwardLogprobs(m.model, prompts[i], c.ids);
        c.logprobs.forEach((lp, t) => expect(Math.abs(lp - ref[t])).toBeLessThan(1e-4));
        // top-p renormalises over a subset, so each kept token is at least as likely as under the model.
        c.samplingLogprobs.forEach((lp, t) => expect(lp).toBeGreaterThanOrEqual(c.logprobs[t] - 1e-6));
      }
    }));

  it('greedy (temperature 0) reproduces run.c on "Once upon a time"', () =>
    expectNoLeaks(async () => {
      const n = gpu ? 4 : 60; // run.c -n 64: 64 positions, the last 4 prompt tokens among them
      const [c] = await generate(m.model, m.tokenizer, [prompts[0]], { maxNewTokens: n, temperature: 0 });
      expect(c.samplingLogprobs.every((x) => x === 0)).toBe(true);
      const text = 'Once upon a time' + m.tokenizer.decode(c.ids);
      expect(greedy64.startsWith(text)).toBe(true);
      if (!gpu) expect(text).toBe(greedy64.trimEnd());
    }));

  it('same seed gives the same tokens; another seed differs', () =>
    expectNoLeaks(async () => {
      const opts = { maxNewTokens: steps, temperature: 1, seed: 11 };
      const a = await generate(m.model, m.tokenizer, prompts, opts);
      const b = await generate(m.model, m.tokenizer, prompts, opts);
      const c = await generate(m.model, m.tokenizer, prompts, { ...opts, seed: 12 });
      expect(b.map((x) => x.ids)).toEqual(a.map((x) => x.ids));
      expect(c.map((x) => x.ids)).not.toEqual(a.map((x) => x.ids));
    }));

  // Micro-batch invariance holds bit for bit on cpu and wasm; on a GPU, padding changes the
  // kernels' reduction order, so a near-tie can sample differently.
  loopIt('the micro-batch size does not change the tokens', () =>
    expectNoLeaks(async () => {
      const opts = { maxNewTokens: steps, temperature: 1, seed: 11 };
      const a = await generate(m.model, m.tokenizer, prompts, { ...opts, microBatchSize: 3 });
      const b = await generate(m.model, m.tokenizer, prompts, { ...opts, microBatchSize: 1 });
      expect(b.map((x) => x.ids)).toEqual(a.map((x) => x.ids));
    }));

  loopIt('stops on a stop string (text cut before it), and finished rows leave the batch', () =>
    expectNoLeaks(async () => {
      const sizes: number[] = [];
      const out = await generate(recording(m.model, sizes), m.tokenizer, prompts, {
        maxNewTokens: steps,
        temperature: 0,
        stopStrings: [','],
      });
      expect(out[0]).toMatchObject({ text: '', finishReason: 'stop' }); // "Once upon a time" -> ","
      for (const c of out) expect(c.text).not.toContain(',');
      expect(sizes[0]).toBe(3);
      expect(Math.min(...sizes)).toBeLessThan(3);
      for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeLessThanOrEqual(sizes[i - 1]);
    }));
});

describe('generate: bounded memory and bad options', () => {
  let m: LoadedModel;
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    m = await loadModel(STORIES_260K);
  });
  afterAll(() => m.model.dispose());

  it('lets timers run while it decodes (a heartbeat or Ctrl-C is not held up by a long generation)', () =>
    expectNoLeaks(async () => {
      const prompts = ['Once upon a time', 'The cat'].map((t) => m.tokenizer.encode(t, { bos: true }));
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      const t0 = performance.now();
      try {
        // Long enough to pass the 100 ms between yields several times, whatever the machine.
        while (performance.now() - t0 < 400) await generate(m.model, m.tokenizer, prompts, { maxNewTokens: 64, temperature: 1, seed: 5 });
      } finally {
        clearInterval(timer);
      }
      expect(ticks).toBeGreaterThanOrEqual(2);
    }));

  it('peak tensor bytes stay flat as the batch grows (micro-batches of 4)', async () => {
    const prompt = m.tokenizer.encode('Once upon a time', { bos: true });
    const peak = async (n: number) =>
      (await tf.profile(async () => {
        await generate(m.model, m.tokenizer, Array.from({ length: n }, () => prompt), { maxNewTokens: 8, temperature: 1, seed: 1, microBatchSize: 4 });
      })).peakBytes - tf.memory().numBytes;
    const small = await peak(4);
    const large = await peak(16);
    expect(large).toBeLessThanOrEqual(small * 1.05);
  });

  it('createSampler is the core Sampler over generate (same tokens for the same seed)', async () => {
    const p = [m.tokenizer.encode('The cat', { bos: true })];
    const opts = { maxNewTokens: 6, temperature: 1, seed: 4, stopIds: m.eosIds };
    const viaSampler = await createSampler(m.model, m.tokenizer, { microBatchSize: 1 }).generate(p, opts);
    expect(viaSampler).toEqual(await generate(m.model, m.tokenizer, p, opts));
  });

  it('rejects bad options with the option name and the expected range', async () => {
    const p = [[1]];
    await expect(generate(m.model, m.tokenizer, p, { maxNewTokens: 0 })).rejects.toThrow("'maxNewTokens' must be an integer >= 1, got 0");
    await expect(generate(m.model, m.tokenizer, p, { maxNewTokens: 4, topP: 0 })).rejects.toThrow("'topP' must be in (0, 1], got 0");
    await expect(generate(m.model, m.tokenizer, p, { maxNewTokens: 4, temperature: -1 })).rejects.toThrow("'temperature' must be a finite number >= 0");
    await expect(generate(m.model, m.tokenizer, [[]], { maxNewTokens: 4 })).rejects.toThrow('prompt 0 is empty');
    await expect(generate(m.model, m.tokenizer, p, { maxNewTokens: 600 })).rejects.toThrow("exceeds the model's 512 positions");
  });
});
