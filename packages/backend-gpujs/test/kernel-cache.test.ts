// The kernel cache on its own, over a real gpu.js instance in its cpu mode (no GL needed): reuse,
// least-recently-used eviction, 4-lane outputs and copies that later calls cannot overwrite.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { createGpujsContext, type GpujsContext } from '../src/gpu-mode.js';
import { KernelCache } from '../src/kernel-cache.js';

let ctx: GpujsContext;
beforeAll(async () => {
  ctx = await createGpujsContext('cpu');
});
afterAll(async () => {
  await ctx.gpu.destroy();
});

const scale = (k: number) => () => ({ source: `function (x) {\nreturn x[this.thread.x] * ${k}.0;\n}`, size: 3 });

it('compiles once per key, reuses, and evicts the least recently used past capacity', () => {
  const cache = new KernelCache(ctx, 2);
  const x = Float32Array.from([1, 2, 3]);
  expect(Array.from(cache.run('x2', scale(2), [x]))).toEqual([2, 4, 6]);
  expect(Array.from(cache.run('x3', scale(3), [x]))).toEqual([3, 6, 9]);
  expect(Array.from(cache.run('x2', scale(2), [x]))).toEqual([2, 4, 6]); // reused: x3 is now oldest
  expect(cache.compileCount).toBe(2);
  cache.run('x5', scale(5), [x]); // evicts x3
  expect(cache.size).toBe(2);
  expect(cache.compileCount).toBe(3);
  cache.run('x2', scale(2), [x]);
  expect(cache.compileCount).toBe(3); // x2 survived
  cache.run('x3', scale(3), [x]);
  expect(cache.compileCount).toBe(4); // x3 had been evicted
  expect(cache.runCount).toBe(6);
  cache.clear();
  expect(cache.size).toBe(0);
});

it('returns fresh arrays that a later call does not overwrite', () => {
  const cache = new KernelCache(ctx);
  const first = cache.run('x2', scale(2), [Float32Array.from([1, 2, 3])]);
  cache.run('x2', scale(2), [Float32Array.from([7, 8, 9])]);
  expect(Array.from(first)).toEqual([2, 4, 6]);
  cache.clear();
});

it('flattens 4-lane kernels into one array, thread by thread', () => {
  const cache = new KernelCache(ctx);
  const out = cache.run(
    'lanes',
    () => ({ source: 'function (x) {\nconst v = x[this.thread.x];\nreturn [v, v + 1.0, v + 2.0, v + 3.0];\n}', size: 2, lanes: 4 }),
    [Float32Array.from([10, 20])],
  );
  expect(Array.from(out)).toEqual([10, 11, 12, 13, 20, 21, 22, 23]);
  cache.clear();
});
