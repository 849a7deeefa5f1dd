// Conformance: tf.unsortedSegmentSum (UnsortedSegmentSum) against float64 loops and tfjs' cpu
// kernel on every backend under test, and tf.gather's gradient (which runs it) against finite
// differences. On wasm it is agon's kernel (native/segment.c): rows added to their segment's row
// in row order in float32, so there the result is also checked bit for bit against that order.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from '@jest/globals';
import { registerWasmKernels } from '../../src/index.js';
import { describeEachBackend, expectNoLeaks } from '../../src/testing/index.js';
import { expectClose, randInt, randn, read } from '../reference.js';
import { checkCase, tol } from './check.js';
import { embed, segmentSum } from './reference-ops.js';

/** tf.unsortedSegmentSum with ids of any rank (tfjs types them 1-D; the kernels take any prefix of x's shape). */
const segSum = (x: tf.Tensor, ids: tf.Tensor, n: number): tf.Tensor => tf.unsortedSegmentSum(x, ids as tf.Tensor1D, n);

await describeEachBackend('unsortedSegmentSum', (backend) => {
  it('[9, 5] rows into 6 segments: repeated ids, segments no id names (zero rows), and the gradient', () =>
    checkCase({
      inputs: [{ shape: [9, 5], data: randn(45, 31) }, { shape: [9], data: [3, 0, 3, 5, 0, 3, 5, 0, 3], dtype: 'int32' }],
      run: (x, ids) => segSum(x, ids, 6),
      ref: (x, ids) => segmentSum(x, ids, 6, 5),
      outShape: [6, 5],
      forward: tol(backend, 1e-6, 1e-6),
      gradient: tol(backend, 1e-5, 1e-5),
    }));

  it('rank-3 x: [6, 2, 3] rows of [2, 3] into 4 segments', () =>
    checkCase({
      inputs: [{ shape: [6, 2, 3], data: randn(36, 32) }, { shape: [6], data: [1, 3, 1, 1, 0, 3], dtype: 'int32' }],
      run: (x, ids) => segSum(x, ids, 4),
      ref: (x, ids) => segmentSum(x, ids, 4, 6),
      outShape: [4, 2, 3],
      forward: tol(backend, 1e-6, 1e-6),
      gradient: tol(backend, 1e-5, 1e-5),
    }));

  it('rank-1 x: 7 numbers into 3 segments', () =>
    checkCase({
      inputs: [{ shape: [7], data: randn(7, 33) }, { shape: [7], data: [2, 2, 0, 2, 0, 0, 2], dtype: 'int32' }],
      run: (x, ids) => segSum(x, ids, 3),
      ref: (x, ids) => segmentSum(x, ids, 3, 1),
      outShape: [3],
      forward: tol(backend, 1e-6, 1e-6),
    }));

  // tfjs' cpu kernel sums x·(ids == s) for each s in [0, numSegments), so an id outside that range
  // matches no segment and its row is dropped; wasm does the same. webgpu's kernel folds an id ≥
  // numSegments into id % numSegments, so the case is not held to it. No gradient: tfjs' gradient
  // gathers dy at max(id, 0), and an id ≥ numSegments is out of range for that gather.
  (backend === 'cpu' || backend === 'wasm' ? it : it.skip)('ids outside [0, numSegments) are dropped, as on cpu', () =>
    checkCase({
      inputs: [{ shape: [6, 4], data: randn(24, 34) }, { shape: [6], data: [-1, 2, 3, 0, -7, 2], dtype: 'int32' }],
      run: (x, ids) => segSum(x, ids, 3),
      ref: (x, ids) => segmentSum(x, ids, 3, 4),
      outShape: [3, 4],
      forward: tol(backend, 1e-6, 1e-6),
    }));

  it('[256, 16] rows into 64 segments', () =>
    checkCase({
      inputs: [{ shape: [256, 16], data: randn(4096, 35) }, { shape: [256], data: randInt(256, 64, 36), dtype: 'int32' }],
      run: (x, ids) => segSum(x, ids, 64),
      ref: (x, ids) => segmentSum(x, ids, 64, 16),
      outShape: [64, 16],
      forward: tol(backend, 1e-5, 1e-5),
    }));

  // tfjs' cpu kernel takes over a minute at this shape (a mask, product and sum over all of x for
  // each of 512 segments), so neither cpu nor the cross-check with it runs here.
  (backend === 'cpu' ? it.skip : it)("the embedding gradient's shape: [2048, 64] rows into 512 segments", () =>
    expectNoLeaks(async () => {
      const ids = randInt(2048, 512, 37);
      const xv = Float32Array.from(randn(2048 * 64, 38));
      const [x, it] = [tf.tensor2d(xv, [2048, 64]), tf.tensor1d(ids, 'int32')];
      const y = segSum(x, it, 512);
      expect(y.shape).toEqual([512, 64]);
      const got = await read(y);
      expectClose(got, segmentSum(xv, ids, 512, 64), { ...tol(backend, 1e-5, 1e-5), label: 'forward vs float64' });
      // On wasm: exactly the float32 sums in row order.
      if (backend === 'wasm') expect(Array.from(got)).toEqual(Array.from(segmentSum(xv, ids, 512, 64, true)));
      tf.dispose([x, it, y]);
    }));

  // tfjs-backend-webgpu 4.22 answers int32 x with float32 bits read as int32 (100000 → 1203982336).
  (backend === 'cpu' || backend === 'wasm' ? it : it.skip)('int32 x: exact sums (cpu answers float32, wasm int32)', () =>
    expectNoLeaks(async () => {
      const x = tf.tensor2d([[1, -2, 3], [100000, 7, -8], [5, 6, 7], [-1, 2, -3]], [4, 3], 'int32');
      const ids = tf.tensor1d([2, 0, 2, 2], 'int32');
      const y = segSum(x, ids, 3);
      expect(y.dtype).toBe(backend === 'cpu' ? 'float32' : 'int32');
      expect(y.shape).toEqual([3, 3]);
      expect(Array.from(await y.data())).toEqual([100000, 7, -8, 0, 0, 0, 5, 6, 7]);
      tf.dispose([x, ids, y]);
    }));

  // tfjs-backend-webgpu 4.22 throws on an empty x (it reshapes x to [-1, 0]).
  (backend === 'webgpu' ? it.skip : it)('no rows gives zero rows', () =>
    expectNoLeaks(async () => {
      const x = tf.zeros([0, 3]);
      const ids = tf.tensor1d([], 'int32');
      const y = segSum(x, ids, 2);
      expect(y.shape).toEqual([2, 3]);
      expect(Array.from(await y.data())).toEqual([0, 0, 0, 0, 0, 0]);
      tf.dispose([x, ids, y]);
    }));

  it("tf.gather's gradient through it: [40, 8] rows by [6, 12] ids (repeats, rows never picked), against finite differences", () => {
    const ids = randInt(72, 30, 39); // rows 30..39 are never picked: their gradient is 0
    ids[5] = ids[0];
    ids[71] = ids[0];
    return checkCase({
      inputs: [{ shape: [40, 8], data: randn(320, 40) }, { shape: [6, 12], data: ids, dtype: 'int32' }],
      run: (E, i) => tf.gather(E, i),
      ref: (E, i) => embed(E, i, 8),
      outShape: [6, 12, 8],
      forward: { atol: 0, rtol: 0 },
      gradient: tol(backend, 1e-5, 1e-5),
    });
  });

  if (backend === 'wasm') {
    it("a NaN reaches only its own segment (tfjs' cpu kernel, multiplying by a 0/1 mask, spreads it to every segment)", () =>
      expectNoLeaks(async () => {
        const x = tf.tensor2d([[1, NaN], [2, 3], [4, 5]]);
        const ids = tf.tensor1d([0, 1, 1], 'int32');
        const y = segSum(x, ids, 2);
        expect(Array.from(await y.data())).toEqual([1, NaN, 6, 8]);
        tf.dispose([x, ids, y]);
      }));

    // tfjs' cpu kernel throws here (it packs an empty list of segments).
    it('no segments gives an empty result', () =>
      expectNoLeaks(async () => {
        const x = tf.tensor2d([[1, 2]]);
        const ids = tf.tensor1d([0], 'int32');
        const none = segSum(x, ids, 0);
        expect(none.shape).toEqual([0, 2]);
        expect((await none.data()).length).toBe(0);
        tf.dispose([x, ids, none]);
      }));

    it('other dtypes and shapes throw an error saying what was expected, and leave nothing allocated', () =>
      expectNoLeaks(() => {
        const b = tf.tensor1d([true, false, true], 'bool');
        const x = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
        const [ids3, ids2, idsF] = [tf.tensor1d([0, 1, 0], 'int32'), tf.tensor1d([0, 1], 'int32'), tf.tensor1d([0, 1, 0], 'float32')];
        expect(() => segSum(b, ids3, 2)).toThrow('UnsortedSegmentSum (wasm): x must be float32 or int32, got bool');
        expect(() => segSum(x, ids2, 2)).toThrow("UnsortedSegmentSum (wasm): the shape of segmentIds [2] must be a prefix of x's shape [3,2]");
        expect(() => tf.engine().runKernel(tf.UnsortedSegmentSum, { x, segmentIds: idsF }, { numSegments: 2 })).toThrow(
          'UnsortedSegmentSum (wasm): segmentIds must be int32, got float32',
        );
        expect(() => segSum(x, ids3, -1)).toThrow('UnsortedSegmentSum (wasm): numSegments must be a whole number ≥ 0, got -1');
        tf.dispose([b, x, ids3, ids2, idsF]);
      }));

    it('ids of rank 2 sum the rows of x\'s first two axes: [2, 3] ids over [2, 3, 2] x', () =>
      expectNoLeaks(async () => {
        const xv = randn(12, 41);
        const idv = [1, 0, 1, 2, 1, -1];
        const x = tf.tensor3d(Float32Array.from(xv), [2, 3, 2]);
        const ids = tf.tensor2d(idv, [2, 3], 'int32');
        const y = segSum(x, ids, 3);
        expect(y.shape).toEqual([3, 2]);
        expect(Array.from(await y.data())).toEqual(Array.from(segmentSum(Float32Array.from(xv), idv, 3, 2, true)));
        tf.dispose([x, ids, y]);
      }));

    it('registering again keeps the one kernel, and it still runs', () =>
      expectNoLeaks(async () => {
        const before = tf.getKernel(tf.UnsortedSegmentSum, 'wasm')?.kernelFunc;
        registerWasmKernels();
        registerWasmKernels();
        expect(tf.getKernel(tf.UnsortedSegmentSum, 'wasm')?.kernelFunc).toBe(before);
        const x = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
        const ids = tf.tensor1d([1, 1, 0], 'int32');
        const y = segSum(x, ids, 2);
        expect(Array.from(await y.data())).toEqual([5, 6, 4, 6]);
        tf.dispose([x, ids, y]);
      }));
  }
});
