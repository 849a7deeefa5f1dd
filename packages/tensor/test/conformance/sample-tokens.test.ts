// Conformance of sampleTokens (the AgonSampleTokens kernel) on cpu and wasm: every row's id equals
// the float64 reference's and both log-probs equal the reference's rounded to float32 (the output
// dtype) — the same doubles, so bit for bit — for temperature 0 / 0.7 / 1, top-k, top-p, min-p
// and their combination, ties, -Infinity logits, rows with different draws, and the edges of the
// draw. The host entry (sampleTokensOnHost, for backends without the kernel) gives the same array.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRng, drawWords, hasSampleKernel, initBackend, sampleTokens, sampleTokensOnHost, type DistributionOptions } from '../../src/index.js';
import { backendsUnderTest, expectNoLeaks } from '../../src/testing/index.js';
import { randn } from '../reference.js';
import { sampleRef } from './reference-ops.js';

const attrs = (o: DistributionOptions) => ({ temperature: o.temperature ?? 1, topK: o.topK ?? 0, topP: o.topP ?? 1, minP: o.minP ?? 0 });

/** Runs the kernel on `logits` [B, V] with `draws` [B, 2]; returns its [B, 3] values. */
async function kernel(logits: Float32Array, draws: Int32Array, V: number, o: DistributionOptions): Promise<Float32Array> {
  return expectNoLeaks(async () => {
    const B = logits.length / V;
    const l = tf.tensor2d(logits, [B, V]);
    const d = tf.tensor2d(draws, [B, 2], 'int32');
    const out = sampleTokens(l, d, o);
    expect(out.shape).toEqual([B, 3]);
    expect(out.dtype).toBe('float32');
    const v = (await out.data()) as Float32Array;
    tf.dispose([l, d, out]);
    return v;
  });
}

/** Checks every row of the kernel against the float64 reference, and the host entry against the kernel. */
async function expectReference(logits: Float32Array, draws: Int32Array, V: number, o: DistributionOptions): Promise<Float32Array> {
  const got = await kernel(logits, draws, V, o);
  const B = logits.length / V;
  for (let r = 0; r < B; r++) {
    const u = (draws[2 * r] * 2 ** 26 + draws[2 * r + 1]) / 2 ** 53;
    const ref = sampleRef(logits.subarray(r * V, (r + 1) * V), attrs(o), u);
    if (!ref) throw new Error(`row ${r}: the reference has no distribution`);
    expect([r, got[3 * r]]).toEqual([r, ref.id]);
    expect([r, got[3 * r + 1]]).toEqual([r, Math.fround(ref.logprob)]);
    expect([r, got[3 * r + 2]]).toEqual([r, Math.fround(ref.samplingLogprob)]);
    expect(Math.abs(got[3 * r + 1] - ref.logprob)).toBeLessThanOrEqual(Math.abs(ref.logprob) * 2 ** -24);
  }
  expect(Array.from(sampleTokensOnHost(logits, draws, V, o))).toEqual(Array.from(got));
  return got;
}

/** Each row's draw from its own seeded stream, as generate takes them. */
function drawsFor(B: number, seed: number): Int32Array {
  const d = new Int32Array(2 * B);
  for (let r = 0; r < B; r++) d.set(drawWords(createRng(seed * 1000 + r)), 2 * r);
  return d;
}

const OPTIONS: DistributionOptions[] = [
  { temperature: 0 },
  { temperature: 0.7 },
  { temperature: 1 },
  {},
  { topK: 5 },
  { topK: 1 },
  { topP: 0.9 },
  { topP: 0.3, temperature: 1.3 },
  { minP: 0.1 },
  { temperature: 0.7, topK: 10, topP: 0.8, minP: 0.05 },
  { temperature: 1, topK: 40, topP: 0.95 },
];

describe('drawWords', () => {
  it('splits rng.next() into two exact int32 words: (hi·2^26 + lo) / 2^53 is the same double', () => {
    const a = createRng(11);
    const b = createRng(11);
    for (let i = 0; i < 2000; i++) {
      const [hi, lo] = drawWords(a);
      expect(Number.isInteger(hi) && hi >= 0 && hi < 2 ** 27 && Number.isInteger(lo) && lo >= 0 && lo < 2 ** 26).toBe(true);
      expect((hi * 2 ** 26 + lo) / 2 ** 53).toBe(b.next());
    }
  });
});

for (const backend of backendsUnderTest().filter((b) => b === 'cpu' || b === 'wasm')) {
  describe(`sampleTokens [${backend}]`, () => {
    let before = 0;
    beforeAll(async () => {
      await initBackend({ backend });
      before = tf.memory().numTensors;
    });
    afterAll(() => expect(tf.memory().numTensors).toBe(before));

    it('has the kernel here', () => expect(hasSampleKernel()).toBe(true));

    for (const o of OPTIONS) {
      it(`${JSON.stringify(o)}: 6 rows × V 37 and 3 rows × V 512 equal the float64 reference`, async () => {
        await expectReference(Float32Array.from(randn(6 * 37, 3, 3)), drawsFor(6, 1), 37, o);
        await expectReference(Float32Array.from(randn(3 * 512, 4, 4)), drawsFor(3, 2), 512, o);
      });
    }

    it('V 32000 with top-p (a full sort of the vocabulary) and with top-k', async () => {
      const logits = Float32Array.from(randn(2 * 32000, 5, 2));
      await expectReference(logits, drawsFor(2, 3), 32000, { temperature: 0.9, topP: 0.9 });
      await expectReference(logits, drawsFor(2, 4), 32000, { topK: 50, minP: 0.02 });
    });

    it('ties: greedy takes the first arg-max, top-k cuts a tie by index, top-p likewise', async () => {
      // Values on a grid of 0.5: many exact ties.
      const logits = Float32Array.from(randn(4 * 40, 6, 2), (x) => Math.round(x * 2) / 2);
      for (const o of [{ temperature: 0 }, { topK: 3 }, { topK: 7, temperature: 0.5 }, { topP: 0.5 }, { minP: 0.5 }]) await expectReference(logits, drawsFor(4, 5), 40, o);
      const flat = new Float32Array(2 * 8).fill(1.5);
      const g = await expectReference(flat, drawsFor(2, 6), 8, { temperature: 0 });
      expect([g[0], g[3]]).toEqual([0, 0]);
      const k = await expectReference(flat, new Int32Array([2 ** 27 - 1, 2 ** 26 - 1, 0, 0]), 8, { topK: 3 });
      expect([k[0], k[3]]).toEqual([2, 0]); // the top-3 of a flat row are ids 0, 1, 2
    });

    it('300 random cases with many ties: every filter setting gives the ids and log-probs of the reference', async () => {
      const rng = createRng(2024);
      for (let c = 0; c < 300; c++) {
        const V = 2 + (rng.nextUint32() % 30);
        const B = 1 + (rng.nextUint32() % 3);
        const levels = 1 + (rng.nextUint32() % 5); // few distinct values: ties at every cut
        const logits = Float32Array.from({ length: B * V }, () => (rng.nextUint32() % levels) * 0.75 - (rng.next() < 0.1 ? Infinity : 0));
        const o: DistributionOptions = {
          temperature: [0, 0.5, 1, 1.7][rng.nextUint32() % 4],
          topK: rng.nextUint32() % (V + 2),
          topP: rng.next() < 0.5 ? 1 : 0.05 + 0.95 * rng.next(),
          minP: rng.next() < 0.6 ? 0 : rng.next(),
        };
        if (Array.from({ length: B }, (_, r) => logits.subarray(r * V, (r + 1) * V).every((x) => x === -Infinity)).some(Boolean)) continue;
        await expectReference(logits, drawsFor(B, 100 + c), V, o);
      }
    });

    it('-Infinity logits are never drawn and the others keep their log-probs', async () => {
      const V = 16;
      const logits = Float32Array.from(randn(5 * V, 7, 2), (x, i) => (i % 3 === 0 || i % V === V - 1 ? -Infinity : x));
      for (const o of [{ temperature: 0 }, {}, { temperature: 0.6, topK: 4 }, { topP: 0.7 }, { minP: 0.2 }]) {
        const got = await expectReference(logits, drawsFor(5, 8), V, o);
        for (let r = 0; r < 5; r++) expect(Number.isFinite(logits[r * V + got[3 * r]])).toBe(true);
      }
    });

    it('rows with different draws draw different tokens from the same logits', async () => {
      const V = 10;
      const row = Float32Array.from({ length: V }, () => 0); // uniform: u picks id ⌊u·V⌋
      const logits = new Float32Array(4 * V);
      for (let r = 0; r < 4; r++) logits.set(row, r * V);
      const us = [0.05, 0.35, 0.55, 0.95];
      const draws = new Int32Array(8);
      us.forEach((u, r) => {
        const hi = Math.floor(u * 2 ** 27);
        draws.set([hi, Math.round((u * 2 ** 27 - hi) * 2 ** 26)], 2 * r);
      });
      const got = await expectReference(logits, draws, V, {});
      expect([got[0], got[3], got[6], got[9]]).toEqual([0, 3, 5, 9]);
      for (let r = 0; r < 4; r++) expect(got[3 * r + 2]).toBe(Math.fround(Math.log(0.1)));
    });

    it('the draw at its edges: u = 0 takes the first token with weight, u → 1 the last', async () => {
      const logits = Float32Array.from([-Infinity, 0, 1, 2, -Infinity]);
      const first = await expectReference(logits, new Int32Array([0, 0]), 5, {});
      const last = await expectReference(logits, new Int32Array([2 ** 27 - 1, 2 ** 26 - 1]), 5, {});
      expect([first[0], last[0]]).toEqual([1, 3]);
    });

    it('a row with NaN logits gets id -1 and NaN log-probs; the other rows are sampled as usual', async () => {
      const logits = Float32Array.from([0, Number.NaN, 1, 0.5, 0.25, 0]);
      const got = await kernel(logits, drawsFor(2, 9), 3, { temperature: 0.8 });
      expect(got[0]).toBe(-1);
      expect(Number.isNaN(got[1]) && Number.isNaN(got[2])).toBe(true);
      expect(got[3]).toBe(sampleRef(logits.subarray(3), attrs({ temperature: 0.8 }), (drawsFor(2, 9)[2] * 2 ** 26 + drawsFor(2, 9)[3]) / 2 ** 53)!.id);
    });

    it('greedy over rows with NaN and -Infinity logits (NaN first, in the middle, everywhere; ties after a NaN): the reference\'s id, NaN log-prob where a NaN is', async () => {
      const V = 11;
      const rows = [
        [Number.NaN, 1, 3, 3, 2, 0, 0, 0, 0, 0, 0],
        [0, 1, Number.NaN, 3, 2, 3, 0, 0, 0, 0, 3],
        new Array<number>(V).fill(Number.NaN),
        new Array<number>(V).fill(-Infinity),
        [-Infinity, Number.NaN, -Infinity, 5, -Infinity, 5, 1, 2, 3, 4, 5],
        [-Infinity, -Infinity, 2, 2, 2, 2, 2, 2, 2, 2, 1],
      ];
      const logits = Float32Array.from(rows.flat());
      const got = await kernel(logits, new Int32Array(2 * rows.length), V, { temperature: 0 });
      rows.forEach((_, r) => {
        const ref = sampleRef(logits.subarray(r * V, (r + 1) * V), attrs({ temperature: 0 }), 0)!;
        expect([r, got[3 * r], got[3 * r + 1]]).toEqual([r, ref.id, Math.fround(ref.logprob)]);
      });
      expect(Array.from({ length: rows.length }, (_, r) => got[3 * r])).toEqual([0, 3, 0, 0, 3, 2]);
    });

    it('rejects bad shapes, dtypes and options with the names and shapes', async () => {
      await expectNoLeaks(() => {
        const l = tf.zeros([2, 4]) as tf.Tensor2D;
        const d = tf.zeros([2, 2], 'int32') as tf.Tensor2D;
        const wrongRows = tf.zeros([3, 2], 'int32') as tf.Tensor2D;
        const floatDraws = tf.zeros([2, 2]) as tf.Tensor2D;
        const flat = tf.zeros([8]);
        expect(() => sampleTokens(l, wrongRows)).toThrow('sampleTokens: draws must be [B, 2] int32 with the B of logits (logits [2, 4] float32, draws [3, 2] int32)');
        expect(() => sampleTokens(l, floatDraws)).toThrow(/draws must be \[B, 2\] int32.*draws \[2, 2\] float32/);
        expect(() => sampleTokens(flat as unknown as tf.Tensor2D, d)).toThrow(/logits must be \[B, V\] float32/);
        expect(() => sampleTokens(l, d, { topP: 0 })).toThrow("sampling option 'topP' must be in (0, 1], got 0");
        expect(() => sampleTokens(l, d, { topK: 1.5 })).toThrow("sampling option 'topK' must be an integer >= 0, got 1.5");
        expect(() => sampleTokensOnHost(new Float32Array(7), [0, 0], 4)).toThrow(/B rows of V 4 and draws 2·B words; got 7 logits and 2 draws/);
        tf.dispose([l, d, wrongRows, floatDraws, flat]);
      });
    });
  });
}
