// generate on the real stories260K model samples in the AgonSampleTokens kernel on cpu and wasm:
// the same completions (ids, text, finish reasons, both log-probs, bit for bit) as the host path
// that reads the [B, V] logits back, for the same seeds and every filter, with rows of different
// prompt lengths that stop at different times (so finished rows leave the batch) — and one read
// of the backend per decoding step instead of the logits. An all-ones mask and no mask give the
// same logits, so generate passes none when no row is padded.
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM, ForwardOptions } from '@agon/core';
import { initBackend, watchDispatches } from '@agon/tensor';
import { backendsUnderTest, expectNoLeaks } from '@agon/tensor/testing';
import { emptyKVCache, generate, loadModel, STORIES_260K, type GenerateOptions, type LoadedModel } from '@agon/models';

const SHAPES: Partial<GenerateOptions>[] = [
  { temperature: 0 },
  { temperature: 1 },
  { temperature: 0.8, topK: 20 },
  { temperature: 1, topP: 0.9 },
  { temperature: 0.7, topK: 40, topP: 0.9, minP: 0.05 },
];

/** Runs `f` under a dispatch watch; returns its result and the counts. */
async function counted<T>(f: () => Promise<T>): Promise<{ result: T; reads: number; valuesRead: number }> {
  const w = watchDispatches();
  try {
    const result = await f();
    return { result, ...w.counts() };
  } finally {
    w.stop();
  }
}

for (const backend of backendsUnderTest().filter((b) => b === 'cpu' || b === 'wasm')) {
  describe(`generate with the sampling kernel on stories260K [${backend}]`, () => {
    let m: LoadedModel;
    let prompts: number[][];
    beforeAll(async () => {
      await initBackend({ backend });
      m = await loadModel(STORIES_260K);
      prompts = ['Once upon a time', 'The cat', 'Lily and Ben went to the park. They', 'A'].map((t) => m.tokenizer.encode(t, { bos: true }));
    });
    afterAll(() => m.model.dispose());

    for (const shape of SHAPES) {
      it(`${JSON.stringify(shape)}: the kernel path gives the host path's completions, seeds 0 and 5`, () =>
        expectNoLeaks(async () => {
          for (const seed of [0, 5]) {
            const opts: GenerateOptions = { ...shape, maxNewTokens: 40, seed, stopIds: m.eosIds, stopStrings: ['.'], microBatchSize: 3 };
            const viaKernel = await generate(m.model, m.tokenizer, prompts, opts);
            const onHost = await generate(m.model, m.tokenizer, prompts, { ...opts, samplingKernel: false });
            expect(viaKernel).toEqual(onHost);
            expect(new Set(viaKernel.map((c) => c.ids.length)).size).toBeGreaterThan(1); // rows left the batch at different steps
          }
        }));
    }

    it('an all-ones mask and no mask give the same logits bit for bit (generate passes none when no row is padded)', () =>
      expectNoLeaks(async () => {
        const ids = prompts[2];
        const run = async (withMask: boolean) => {
          const T = ids.length;
          const x = tf.tensor2d([ids], [1, T], 'int32');
          const ones = (n: number) => tf.ones([1, n]) as tf.Tensor2D;
          const m1 = withMask ? ones(T) : undefined;
          const pre = m.model.forward(x, { cache: emptyKVCache(), ...(m1 ? { mask: m1 } : {}) });
          const next = tf.tensor2d([[ids[1]]], [1, 1], 'int32');
          const pos = tf.tensor2d([[T]], [1, 1], 'int32');
          const m2 = withMask ? ones(T + 1) : undefined;
          const step = m.model.forward(next, { cache: pre.cache, positions: pos, ...(m2 ? { mask: m2 } : {}), lastOnly: true });
          const out = [Array.from(await pre.logits.data()), Array.from(await step.logits.data())];
          pre.cache!.dispose();
          step.cache!.dispose();
          tf.dispose([x, next, pos, pre.logits, step.logits, ...(m1 ? [m1] : []), ...(m2 ? [m2] : [])]);
          return out;
        };
        expect(await run(false)).toEqual(await run(true));
      }));

    it('a model whose logits turn NaN stops generate with the prompt and token named, through the kernel or not, leaving no tensor', () =>
      expectNoLeaks(async () => {
        let calls = 0;
        const broken: CausalLM = {
          config: m.model.config,
          forward: (ids: tf.Tensor2D, o?: ForwardOptions) => {
            const out = m.model.forward(ids, o);
            if (++calls < 3) return out;
            const logits = tf.mul(out.logits, Number.NaN) as tf.Tensor3D;
            out.logits.dispose();
            return { ...out, logits };
          },
          trainableVariables: () => m.model.trainableVariables(),
          dispose: () => undefined,
        };
        for (const samplingKernel of [true, false]) {
          calls = 0;
          await expect(generate(broken, m.tokenizer, [prompts[1]], { maxNewTokens: 8, seed: 1, samplingKernel })).rejects.toThrow(
            'generate: prompt 0 has no distribution to sample its token 2 from (NaN or infinite logits)',
          );
        }
      }));

    it('reads the backend once per decoding step through the kernel, and the logits every step without it', () =>
      expectNoLeaks(async () => {
        const opts: GenerateOptions = { maxNewTokens: 12, temperature: 0.9, seed: 2, stopIds: [], microBatchSize: 4 };
        const k = await counted(() => generate(m.model, m.tokenizer, prompts, opts));
        const h = await counted(() => generate(m.model, m.tokenizer, prompts, { ...opts, samplingKernel: false }));
        expect(k.result).toEqual(h.result);
        expect(k.result.every((c) => c.ids.length === 12)).toBe(true);
        // 12 steps of 4 rows: 3 numbers a row through the kernel, the 512 logits a row without it.
        expect([k.reads, k.valuesRead]).toEqual([12, 12 * 4 * 3]);
        expect([h.reads, h.valuesRead]).toEqual([12, 12 * 4 * 512]);
      }));
  });
}
