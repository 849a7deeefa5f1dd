// Property test of the generated broadcast index maths: random pairs of broadcast-compatible
// shapes (rank ≤ 4, dims 1–5, any mix of 1s) through a gpu.js Sub kernel, against a float64
// numpy-style reference. Sub is not symmetric, so swapped operands would be caught.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { gpujsInfo } from '../src/index.js';
import { expectClose, noLeaks, rand, refBroadcast, startGpujs } from './helpers.js';

beforeAll(async () => {
  await startGpujs();
});

/** A broadcast-compatible pair: one output shape, each operand keeps a suffix with some dims set to 1. */
const shapePair = fc
  .array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 })
  .chain((out) =>
    fc.tuple(
      fc.constant(out),
      fc.integer({ min: 0, max: out.length }),
      fc.integer({ min: 0, max: out.length }),
      fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
      fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
    ),
  )
  .map(([out, dropA, dropB, onesA, onesB]) => {
    const a = out.slice(dropA).map((d, i) => (onesA[i + dropA] ? 1 : d));
    const b = out.slice(dropB).map((d, i) => (onesB[i + dropB] ? 1 : d));
    return [a, b] as const;
  });

it('sub over random broadcast shapes matches the float64 reference', async () => {
  await fc.assert(
    fc.asyncProperty(shapePair, async ([aShape, bShape]) => {
      await noLeaks(async () => {
        const runs = gpujsInfo()!.kernelRuns;
        const a = rand(aShape.reduce((x, y) => x * y, 1), 3);
        const b = rand(bShape.reduce((x, y) => x * y, 1), 4);
        const ta = tf.tensor(Float32Array.from(a), aShape);
        const tb = tf.tensor(Float32Array.from(b), bShape);
        const y = tf.sub(ta, tb);
        const want = refBroadcast(a, aShape, b, bShape, (x, z) => x - z);
        expect(y.shape).toEqual(want.shape);
        expectClose(await y.data(), want.values, 1e-6, 1e-6, `sub ${JSON.stringify(aShape)} − ${JSON.stringify(bShape)}`);
        expect(gpujsInfo()!.kernelRuns).toBe(runs + 1);
        tf.dispose([ta, tb, y]);
      });
    }),
    { numRuns: 60, seed: 20260127 },
  );
});
