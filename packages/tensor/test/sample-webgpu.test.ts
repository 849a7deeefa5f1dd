// The WGSL `AgonSampleTokens` kernel against the float64 host math (sampleRows, the cpu/wasm
// kernel's own implementation): ids equal, except where the float64 draw lands within 1e-5 of the
// running-sum boundary between the two ids (a near-tie float32 cannot resolve); both log-probs
// within 1e-4 absolute. Temperature 0 / 0.7 / 1, top-k, top-p, min-p and their combinations,
// ties, -Infinity logits, B > 1 with a draw per row, V from 7 to 151936. webgpu runs on SwiftShader here.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { initBackend, releaseBackend } from '../src/backend/init.js';
import { hasSampleKernel, sampleTokens, SAMPLE_KERNEL } from '../src/kernels/sample/index.js';
import { registerSampleWebgpuKernel } from '../src/kernels/sample/webgpu.js';
import { drawFromWords, sampleAttrs, sampleRows, samplingProbs, wordsOfDraw, type DistributionOptions } from '../src/kernels/sample/math.js';
import { createRng } from '../src/rng.js';
import { backendsUnderTest, expectNoLeaks, probeBackend, requiredBackends } from '../src/testing/index.js';
import { randn } from './reference.js';

/** Log-prob tolerance (absolute), the bound the contract gives float32 at V ≤ 32000. */
const LOGPROB_TOL = 1e-4;
/** How close (relative to the total mass) a float64 draw must be to a boundary to count as a near-tie. */
const NEAR_TIE = 1e-5;

interface Case {
  name: string;
  logits: Float32Array;
  B: number;
  V: number;
  opts: DistributionOptions;
}

/** Runs the kernel (through sampleTokens) on one batch and returns its [B, 3] output. */
async function runKernel(c: Case, words: Int32Array): Promise<Float32Array> {
  const logits = tf.tensor2d(c.logits, [c.B, c.V]);
  const draws = tf.tensor2d(words, [c.B, 2], 'int32');
  const out = sampleTokens(logits, draws, c.opts);
  const data = (await out.data()) as Float32Array;
  tf.dispose([logits, draws, out]);
  return data;
}

/**
 * Checks one batch: per row, the id equals the float64 reference's unless the draw is a near-tie
 * at the boundary between them, and the log-probs of the kernel's id match the reference's.
 * Returns how many rows were near-ties.
 */
function checkBatch(c: Case, words: Int32Array, got: Float32Array): number {
  const want = new Float32Array(c.B * 3);
  sampleRows(c.logits, words, c.V, sampleAttrs(c.opts), want);
  let nearTies = 0;
  for (let r = 0; r < c.B; r++) {
    const label = `${c.name}, row ${r}`;
    const [id, lp, slp] = [got[3 * r], got[3 * r + 1], got[3 * r + 2]];
    const refId = want[3 * r];
    if (id !== refId) {
      // Allowed only when u·total sits within NEAR_TIE of the running sum between the two ids.
      const row = c.logits.subarray(r * c.V, (r + 1) * c.V);
      const p = samplingProbs(row, c.opts);
      expect({ label, id, refId, greedy: p === null }).toEqual({ label, id, refId: id, greedy: false });
      const u = drawFromWords(words[2 * r], words[2 * r + 1]);
      const [a, b] = [Math.min(id, refId), Math.max(id, refId)];
      let below = 0;
      for (let i = 0; i <= a; i++) below += p![i];
      let upTo = below;
      for (let i = a + 1; i < b; i++) upTo += p![i];
      const near = Math.abs(u - below) <= NEAR_TIE && Math.abs(u - upTo) <= NEAR_TIE && p![id] > 0;
      expect({ label, id, refId, u, below, near }).toEqual({ label, id, refId, u, below, near: true });
      nearTies++;
      continue;
    }
    expect(Math.abs(lp - want[3 * r + 1])).toBeLessThanOrEqual(LOGPROB_TOL);
    expect(Math.abs(slp - want[3 * r + 2])).toBeLessThanOrEqual(LOGPROB_TOL);
  }
  return nearTies;
}

/** `steps` batches of draws from one seeded stream per row, checked one by one. */
async function checkCase(c: Case, steps: number, seed: number): Promise<number> {
  const rngs = Array.from({ length: c.B }, (_, r) => createRng(seed * 1000 + r));
  let nearTies = 0;
  for (let s = 0; s < steps; s++) {
    const words = new Int32Array(2 * c.B);
    for (let r = 0; r < c.B; r++) words.set(wordsOfDraw(rngs[r].next()), 2 * r);
    nearTies += checkBatch(c, words, await runKernel(c, words));
  }
  return nearTies;
}

function gaussianLogits(B: number, V: number, seed: number, scale: number): Float32Array {
  return Float32Array.from(randn(B * V, seed, scale));
}

const webgpu = backendsUnderTest().includes('webgpu') ? await probeBackend('webgpu') : 'not under test (AGON_BACKENDS)';
const required = requiredBackends().includes('webgpu');
if (webgpu !== true && !required) console.warn(`skipping the WGSL sampler tests: ${webgpu}`);
const describeGpu = webgpu === true || required ? describe : describe.skip;

it('registers on webgpu only, once', () => {
  registerSampleWebgpuKernel();
  registerSampleWebgpuKernel();
  expect(tf.getKernel(SAMPLE_KERNEL, 'webgpu')?.backendName).toBe('webgpu');
});

describeGpu('AgonSampleTokens [webgpu]', () => {
  beforeAll(async () => {
    if (webgpu !== true) throw new Error(`webgpu is required but could not start: ${webgpu}`);
    await initBackend({ backend: 'webgpu', allowSoftwareGpu: true });
    registerSampleWebgpuKernel();
  });
  afterAll(async () => {
    await releaseBackend('webgpu');
  });

  it('sampleTokens runs the WGSL kernel here', () => expect(hasSampleKernel('webgpu')).toBe(true));

  const filters: [string, DistributionOptions][] = [
    ['greedy', { temperature: 0 }],
    ['temperature 1', {}],
    ['temperature 0.7', { temperature: 0.7 }],
    ['top-k 1', { topK: 1 }],
    ['top-k 5, temperature 0.7', { temperature: 0.7, topK: 5 }],
    ['top-p 0.9', { topP: 0.9 }],
    ['top-k 20 then top-p 0.5', { topK: 20, topP: 0.5 }],
    ['min-p 0.05', { minP: 0.05 }],
    ['all four', { temperature: 0.7, topK: 40, topP: 0.95, minP: 0.02 }],
  ];
  for (const [V, B, steps] of [
    [7, 3, 6],
    [1000, 2, 4],
  ] as const) {
    for (const [name, opts] of filters) {
      it(`V ${V}, B ${B}: ${name}`, () =>
        expectNoLeaks(async () => {
          const c = { name: `V ${V} ${name}`, logits: gaussianLogits(B, V, V + B, 2), B, V, opts };
          expect(await checkCase(c, steps, V)).toBeLessThanOrEqual(1);
        }));
    }
  }

  it('V 32000 (a Llama vocabulary), B 2, at every filter', () =>
    expectNoLeaks(async () => {
      const B = 2;
      const V = 32000;
      const logits = gaussianLogits(B, V, 11, 3);
      let nearTies = 0;
      for (const [name, opts] of filters) nearTies += await checkCase({ name: `V 32000 ${name}`, logits, B, V, opts }, 2, 5);
      expect(nearTies).toBeLessThanOrEqual(2);
    }), 300_000);

  it("V 151936 (Qwen2.5's vocabulary, what tools/gpu-bench.sh decodes), B 1, all four filters and plain sampling", () =>
    expectNoLeaks(async () => {
      const V = 151936;
      const logits = gaussianLogits(1, V, 12, 3);
      let nearTies = 0;
      for (const [name, opts] of [filters[1], filters[8]]) nearTies += await checkCase({ name: `V ${V} ${name}`, logits, B: 1, V, opts }, 2, 6);
      expect(nearTies).toBeLessThanOrEqual(1);
    }), 300_000);

  it('ties: equal logits are kept and drawn lowest index first, cut-offs through a tie group', () =>
    expectNoLeaks(async () => {
      // Logits on a coarse grid: many exact ties, so top-k and top-p cut inside groups of equal weight.
      const B = 2;
      const V = 300;
      const logits = Float32Array.from(randn(B * V, 3), (x) => Math.round(x * 2) / 2);
      for (const opts of [{ temperature: 0 }, { topK: 7 }, { topK: 40, temperature: 0.7 }, { topP: 0.3 }, { topK: 25, topP: 0.6 }, { minP: 0.2 }]) {
        expect(await checkCase({ name: `ties ${JSON.stringify(opts)}`, logits, B, V, opts }, 8, 2)).toBe(0);
      }
      // Every logit equal: greedy takes index 0, top-k 3 draws among the first three only.
      const flat = new Float32Array(50).fill(1.5);
      expect(await checkCase({ name: 'flat greedy', logits: flat, B: 1, V: 50, opts: { temperature: 0 } }, 1, 1)).toBe(0);
      expect(await checkCase({ name: 'flat top-k 3', logits: flat, B: 1, V: 50, opts: { topK: 3 } }, 12, 1)).toBe(0);
    }));

  it('-Infinity logits are never drawn; a row with nothing finite or with NaN gives id -1', () =>
    expectNoLeaks(async () => {
      const V = 64;
      const logits = gaussianLogits(2, V, 9, 2);
      for (let i = 0; i < 2 * V; i += 3) logits[i] = -Infinity;
      for (const opts of [{ temperature: 0 }, {}, { topK: 10 }, { topP: 0.9 }, { minP: 0.1 }]) {
        expect(await checkCase({ name: `-inf ${JSON.stringify(opts)}`, logits, B: 2, V, opts }, 10, 4)).toBe(0);
      }
      const bad = new Float32Array([0, NaN, 1, -Infinity, -Infinity, -Infinity]);
      const out = await runKernel({ name: 'unusable', logits: bad, B: 2, V: 3, opts: {} }, new Int32Array(4));
      expect(Array.from(out)).toEqual([-1, NaN, NaN, -1, NaN, NaN]);
    }));

  it('B > 1 reads each row its own draw', () =>
    expectNoLeaks(async () => {
      // Four identical uniform rows with u = 0.125, 0.375, 0.625, 0.875: ids 0, 1, 2, 3 of V 4.
      const logits = new Float32Array(16).fill(0);
      const words = Int32Array.from([0.125, 0.375, 0.625, 0.875].flatMap((u) => wordsOfDraw(u)));
      const out = await runKernel({ name: 'rows', logits, B: 4, V: 4, opts: {} }, words);
      expect([0, 1, 2, 3].map((r) => out[3 * r])).toEqual([0, 1, 2, 3]);
      for (let r = 0; r < 4; r++) expect(out[3 * r + 2]).toBeCloseTo(Math.log(0.25), 6);
    }));
});
