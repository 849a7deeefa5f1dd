// Conformance: tf.slice (Slice) and tf.split (SplitV) against float64 block-copy loops on every
// backend under test, with their gradients (tfjs' pad and concat). On wasm both run agon's
// heap-copying kernels for float32, int32 and bool, and tfjs' own for strings.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from '@jest/globals';
import { registerWasmKernels } from '../../src/index.js';
import { describeEachBackend, expectNoLeaks } from '../../src/testing/index.js';
import { randn } from '../reference.js';
import { checkCase, tol } from './check.js';

const exact = { atol: 0, rtol: 0 };

/** The block of x (shape `shape`) at `begin` of extent `size`, row-major, by a plain index walk. */
function block(x: Float64Array, shape: number[], begin: number[], size: number[]): Float64Array {
  const n = size.reduce((a, b) => a * b, 1);
  const out = new Float64Array(n);
  for (let o = 0; o < n; o++) {
    let rest = o;
    let flat = 0;
    let stride = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      const i = rest % size[d];
      rest = Math.floor(rest / size[d]);
      flat += (begin[d] + i) * stride;
      stride *= shape[d];
    }
    out[o] = x[flat];
  }
  return out;
}

const cases: { name: string; shape: number[]; begin: number[]; size: number[] }[] = [
  { name: 'rank 1, the middle', shape: [9], begin: [2], size: [5] },
  { name: 'rank 2, whole rows (one contiguous run)', shape: [6, 5], begin: [1, 0], size: [3, 5] },
  { name: 'rank 2, columns of every row', shape: [6, 5], begin: [0, 1], size: [6, 3] },
  { name: 'rank 3, a corner', shape: [4, 3, 5], begin: [1, 1, 2], size: [2, 2, 3] },
  { name: 'rank 4, whole inner axes under a partial one', shape: [3, 4, 2, 3], begin: [1, 1, 0, 0], size: [2, 2, 2, 3] },
  { name: 'rank 5, partial on every axis', shape: [2, 3, 2, 3, 4], begin: [1, 0, 1, 1, 1], size: [1, 2, 1, 2, 3] },
];

await describeEachBackend('slice', (backend) => {
  for (const c of cases) {
    it(`${c.name}: [${c.shape}] from [${c.begin}] size [${c.size}], and the gradient`, () =>
      checkCase({
        inputs: [{ shape: c.shape, data: randn(c.shape.reduce((a, b) => a * b, 1), 31) }],
        run: (x) => tf.slice(x, c.begin, c.size),
        ref: (x) => block(x, c.shape, c.begin, c.size),
        outShape: c.size,
        forward: exact,
        // tfjs-backend-webgpu 4.22's Pad (the gradient of a slice) writes zeros at rank 5.
        gradient: backend === 'webgpu' && c.shape.length === 5 ? undefined : tol(backend, 1e-5, 1e-5),
      }));
  }

  it('size -1 runs to the end of its axis', () =>
    checkCase({
      inputs: [{ shape: [5, 4], data: randn(20, 32) }],
      run: (x) => tf.slice(x, [2, 1], [-1, 2]),
      ref: (x) => block(x, [5, 4], [2, 1], [3, 2]),
      outShape: [3, 2],
      forward: exact,
    }));

  it('split of a stacked [2·F, C] weight gradient into its halves, on axis 0 and axis 1, and the gradient', async () => {
    for (const axis of [0, 1]) {
      for (const part of [0, 1]) {
        const begin = axis === 0 ? [6 * part, 0] : [0, 3 * part];
        const size = axis === 0 ? [6, 7] : [12, 3];
        await checkCase({
          inputs: [{ shape: [12, axis === 0 ? 7 : 6], data: randn(axis === 0 ? 84 : 72, 33 + axis) }],
          run: (x) => tf.split(x, 2, axis)[part],
          ref: (x) => block(x, [12, axis === 0 ? 7 : 6], begin, size),
          outShape: size,
          forward: exact,
          gradient: tol(backend, 1e-5, 1e-5),
        });
      }
    }
  });

  it('split into unequal sizes, one of them -1, on the last axis of rank 3', () =>
    expectNoLeaks(async () => {
      const x = tf.tensor(Float32Array.from(randn(2 * 3 * 7, 34)), [2, 3, 7]);
      const parts = tf.split(x, [2, -1, 1], 2);
      expect(parts.map((p) => p.shape)).toEqual([[2, 3, 2], [2, 3, 4], [2, 3, 1]]);
      const xs = Float64Array.from(await x.data());
      let at = 0;
      for (const p of parts) {
        const w = p.shape[2] ?? 0;
        expect(Array.from(await p.data())).toEqual(Array.from(block(xs, [2, 3, 7], [0, 0, at], [2, 3, w])));
        at += w;
      }
      tf.dispose([x, ...parts]);
    }));

  it('int32 and bool keep their dtype and values; empty blocks are empty', () =>
    expectNoLeaks(async () => {
      const i = tf.tensor2d([[1, -2, 3], [2147483647, -2147483648, 0]], [2, 3], 'int32');
      const b = tf.tensor2d([[true, false, true], [false, false, true]], [2, 3], 'bool');
      const si = tf.slice(i, [0, 1], [2, 2]);
      const sb = tf.slice(b, [1, 0], [1, 3]);
      const [b0, b1] = tf.split(b, [1, 2], 1);
      const none = tf.slice(i, [1, 1], [0, 2]);
      expect([si.dtype, sb.dtype, b1.dtype]).toEqual(['int32', 'bool', 'bool']);
      expect(Array.from(await si.data())).toEqual([-2, 3, -2147483648, 0]);
      expect(Array.from(await sb.data())).toEqual([0, 0, 1]);
      expect(Array.from(await b0.data())).toEqual([1, 0]);
      expect(Array.from(await b1.data())).toEqual([0, 1, 0, 1]);
      expect(none.shape).toEqual([0, 2]);
      tf.dispose([i, b, si, sb, b0, b1, none]);
    }));

  it('a block outside the tensor throws tfjs’ message and leaks nothing', () =>
    expectNoLeaks(() => {
      const x = tf.tensor2d([[1, 2], [3, 4]]);
      expect(() => tf.slice(x, [1, 0], [2, 2])).toThrow(/Error in slice2D: begin\[0\] \+ size\[0\] \(3\) would overflow input\.shape\[0\] \(2\)/);
      x.dispose();
    }));

  if (backend === 'wasm') {
    it('strings still slice and split (tfjs’ kernels), and registering again changes nothing', () =>
      expectNoLeaks(async () => {
        registerWasmKernels();
        registerWasmKernels();
        const s = tf.tensor1d(['a', 'bb', 'ccc', 'dddd']);
        const mid = tf.slice(s, [1], [2]);
        // tf.split refuses strings before any kernel runs; the kernel itself still takes them.
        const [l, r] = tf.engine().runKernel(tf.SplitV, { x: s }, { numOrSizeSplits: 2, axis: 0 }) as tf.Tensor[];
        expect(await mid.array()).toEqual(['bb', 'ccc']);
        expect([await l.array(), await r.array()]).toEqual([['a', 'bb'], ['ccc', 'dddd']]);
        const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
        const y = tf.slice(x, [0, 1], [2, 1]);
        expect(Array.from(await y.data())).toEqual([2, 5]);
        tf.dispose([s, mid, l, r, x, y]);
      }));
  }
});
