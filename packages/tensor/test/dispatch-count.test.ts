// watchDispatches on cpu and wasm: counts each op dispatched through the engine once, each data()
// / dataSync() / array() once with the numbers it returned, not the reads kernels make of their
// own inputs (cpu's agon kernels read their inputs with readSync), and nothing after stop().
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { initBackend, rmsNorm, watchDispatches } from '../src/index.js';
import { backendsUnderTest, expectNoLeaks } from '../src/testing/index.js';

for (const backend of backendsUnderTest().filter((b) => b === 'cpu' || b === 'wasm')) {
  describe(`watchDispatches [${backend}]`, () => {
    let before = 0;
    beforeAll(async () => {
      await initBackend({ backend });
      before = tf.memory().numTensors;
    });
    afterAll(() => expect(tf.memory().numTensors).toBe(before));

    it('counts kernels and reads as the caller made them', () =>
      expectNoLeaks(async () => {
        const x = tf.tensor2d([[3, 4], [1, 2]]); // uploads: no kernel
        const w = tf.ones([2]);
        const outer = watchDispatches();
        const a = tf.add(x, x); // 1
        const b = tf.reshape(a, [4]); // 2
        const y = rmsNorm(x, w, 1e-5); // 3: one agon kernel, which reads its inputs inside on cpu
        expect(outer.counts()).toEqual({ kernels: 3, reads: 0, valuesRead: 0 });
        const inner = watchDispatches();
        await b.data(); // read 1: 4 numbers
        y.dataSync(); // read 2: 4 numbers
        await y.array(); // read 3
        expect(inner.counts()).toEqual({ kernels: 0, reads: 3, valuesRead: 12 });
        inner.stop();
        tf.dispose(tf.mul(x, 2)); // 4
        expect(outer.counts()).toEqual({ kernels: 4, reads: 3, valuesRead: 12 });
        outer.stop();
        outer.stop();
        const z = tf.add(x, 1);
        await z.data();
        z.dispose();
        expect(outer.counts()).toEqual({ kernels: 4, reads: 3, valuesRead: 12 });
        tf.dispose([x, w, a, b, y]);
      }));
  });
}
