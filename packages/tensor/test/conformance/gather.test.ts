// Conformance: tf.gather (GatherV2) against float64 loops on every backend under test. On wasm,
// float32/int32 params gathered on axis 0 by int32 indices run agon's row-copying kernel and
// every other case tfjs' own, so both kinds are here; the gradient is tfjs' UnsortedSegmentSum.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from '@jest/globals';
import { registerWasmKernels } from '../../src/index.js';
import { describeEachBackend, expectNoLeaks } from '../../src/testing/index.js';
import { randInt, randn } from '../reference.js';
import { checkCase, tol } from './check.js';
import { embed } from './reference-ops.js';

const exact = { atol: 0, rtol: 0 };

await describeEachBackend('gather', (backend) => {
  it('embedding rows [11, 6] by ids [3, 5] with repeats, and the gradient', () => {
    const ids = randInt(15, 11, 21);
    ids[4] = ids[0];
    ids[14] = ids[0]; // one row picked three times: its gradient rows add up
    return checkCase({
      inputs: [{ shape: [11, 6], data: randn(66, 22) }, { shape: [3, 5], data: ids, dtype: 'int32' }],
      run: (E, i) => tf.gather(E, i),
      ref: (E, i) => embed(E, i, 6),
      outShape: [3, 5, 6],
      forward: exact,
      gradient: tol(backend, 1e-5, 1e-5),
    });
  });

  it("the training step's shape: [64, 16] by [8, 32] ids", () =>
    checkCase({
      inputs: [{ shape: [64, 16], data: randn(1024, 23) }, { shape: [8, 32], data: randInt(256, 64, 24), dtype: 'int32' }],
      run: (E, i) => tf.gather(E, i),
      ref: (E, i) => embed(E, i, 16),
      outShape: [8, 32, 16],
      forward: exact,
    }));

  it('rows of rank-2 slices: [5, 2, 3] by [4] ids (first and last row included)', () =>
    checkCase({
      inputs: [{ shape: [5, 2, 3], data: randn(30, 25) }, { shape: [4], data: [4, 0, 2, 4], dtype: 'int32' }],
      run: (x, i) => tf.gather(x, i),
      ref: (x, i) => embed(x, i, 6),
      outShape: [4, 2, 3],
      forward: exact,
      gradient: tol(backend, 1e-5, 1e-5),
    }));

  it('int32 params keep their dtype and values', () =>
    expectNoLeaks(async () => {
      const x = tf.tensor2d([[1, -2, 3], [2147483647, -2147483648, 0], [7, 8, 9]], [3, 3], 'int32');
      const i = tf.tensor1d([2, 1, 1, 0], 'int32');
      const y = tf.gather(x, i);
      expect(y.dtype).toBe('int32');
      expect(y.shape).toEqual([4, 3]);
      expect(Array.from(await y.data())).toEqual([7, 8, 9, 2147483647, -2147483648, 0, 2147483647, -2147483648, 0, 1, -2, 3]);
      tf.dispose([x, i, y]);
    }));

  it('a scalar index gives one row; empty indices an empty result', () =>
    expectNoLeaks(async () => {
      const x = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
      const [i1, i0] = [tf.scalar(1, 'int32'), tf.tensor1d([], 'int32')];
      const one = tf.gather(x, i1);
      expect(one.shape).toEqual([2]);
      expect(Array.from(await one.data())).toEqual([3, 4]);
      const none = tf.gather(x, i0);
      expect(none.shape).toEqual([0, 2]);
      tf.dispose([x, i1, i0, one, none]);
    }));

  it('axis 1 (tfjs’ kernel on wasm): [3, 5] by [4] ids, and the gradient', () =>
    checkCase({
      inputs: [{ shape: [3, 5], data: randn(15, 26) }, { shape: [4], data: [4, 1, 1, 0], dtype: 'int32' }],
      run: (x, i) => tf.gather(x, i, 1),
      ref: (x, i) => {
        const out = new Float64Array(12);
        for (let r = 0; r < 3; r++) for (let k = 0; k < 4; k++) out[r * 4 + k] = x[r * 5 + i[k]];
        return out;
      },
      outShape: [3, 4],
      forward: exact,
      gradient: tol(backend, 1e-5, 1e-5),
    }));

  // tfjs-backend-wasm 4.22's own kernel gets batchDims > 0 wrong (the second batch reads other
  // rows: 27,28,29 where cpu has 24,25,26), and agon leaves that case to it; nothing in agon gathers with batchDims.
  (backend === 'wasm' ? it.skip : it)('batchDims 1: [2, 5, 3] by [2, 4] ids', () =>
    checkCase({
      inputs: [{ shape: [2, 5, 3], data: randn(30, 27) }, { shape: [2, 4], data: [0, 4, 4, 2, 3, 1, 0, 3], dtype: 'int32' }],
      run: (x, i) => tf.gather(x, i, 1, 1),
      ref: (x, i) => {
        const out = new Float64Array(24);
        for (let b = 0; b < 2; b++) for (let k = 0; k < 4; k++) for (let c = 0; c < 3; c++) out[(b * 4 + k) * 3 + c] = x[(b * 5 + i[b * 4 + k]) * 3 + c];
        return out;
      },
      outShape: [2, 4, 3],
      forward: exact,
    }));

  // tfjs' cpu and wasm kernels check indices; its GPU kernels do not (an out-of-range row reads as 0 there).
  (backend === 'cpu' || backend === 'wasm' ? it : it.skip)('an index outside [0, rows) throws tfjs’ message and leaks nothing', () =>
    expectNoLeaks(() => {
      const x = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
      for (const bad of [3, -1]) {
        const i = tf.tensor1d([0, bad], 'int32');
        expect(() => tf.gather(x, i)).toThrow(`GatherV2: the index value ${bad} is not in [0, 2]`);
        expect(() => tf.gather(x, i, 1)).toThrow(`GatherV2: the index value ${bad} is not in [0, 1]`);
        i.dispose();
      }
      x.dispose();
    }));

  if (backend === 'wasm') {
    it('registering again changes nothing: both paths still run', () =>
      expectNoLeaks(async () => {
        registerWasmKernels();
        registerWasmKernels();
        const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
        const [r, c] = [tf.tensor1d([1, 0, 1], 'int32'), tf.tensor1d([2, 0], 'int32')];
        const rows = tf.gather(x, r);
        const cols = tf.gather(x, c, 1);
        expect(Array.from(await rows.data())).toEqual([4, 5, 6, 1, 2, 3, 4, 5, 6]);
        expect(Array.from(await cols.data())).toEqual([3, 1, 6, 4]);
        tf.dispose([x, r, c, rows, cols]);
      }));
  }
});
