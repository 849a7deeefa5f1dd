// The decoder's additive attention mask (causal part filled on the host, padding part from a
// tensor) against an independent float64 loop, on every backend: no cache and a cache (past > 0),
// a sliding window, left padding, a single query, a mask asked for twice, and the errors and leaks.
import * as tf from '@tensorflow/tfjs-core';
import { describeEachBackend, expectNoLeaks } from '@agon/tensor/testing';
import { causalMask, MASKED } from '../src/arch/mask.js';

/** The mask [B or 1, 1, T, past + T] computed element by element in float64. */
function referenceMask(T: number, past: number, padding?: number[][], window?: number): { shape: number[]; values: number[] } {
  const Tk = past + T;
  const rows = padding ?? [new Array<number>(Tk).fill(1)];
  const values: number[] = [];
  for (const pad of rows) {
    for (let i = 0; i < T; i++) {
      for (let j = 0; j < Tk; j++) {
        const q = past + i;
        const visible = j <= q && (window === undefined || q - j < window);
        values.push((visible ? 0 : MASKED) + (1 - pad[j]) * MASKED);
      }
    }
  }
  return { shape: [rows.length, 1, T, Tk], values };
}

interface Case {
  name: string;
  T: number;
  past: number;
  padding?: number[][];
  window?: number;
}

const cases: Case[] = [
  { name: 'causal, no cache', T: 5, past: 0 },
  { name: 'causal after 3 cached positions', T: 4, past: 3 },
  { name: 'sliding window 3, no cache', T: 7, past: 0, window: 3 },
  { name: 'sliding window 2 after 4 cached positions', T: 3, past: 4, window: 2 },
  { name: 'window wider than the keys', T: 4, past: 1, window: 9 },
  { name: 'one query beyond the window', T: 1, past: 5, window: 3 },
  { name: 'left padding, no cache', T: 4, past: 0, padding: [[0, 0, 1, 1], [1, 1, 1, 1]] },
  { name: 'left padding after 2 cached positions, window 3', T: 3, past: 2, window: 3, padding: [[0, 1, 1, 1, 1], [1, 1, 1, 1, 1], [0, 0, 0, 1, 1]] },
  { name: 'one query with padding only', T: 1, past: 3, padding: [[0, 1, 1, 1], [1, 1, 1, 1]] },
];

await describeEachBackend('causalMask vs a float64 loop', () => {
  for (const c of cases) {
    it(`${c.name}: values and shape equal the reference exactly`, () =>
      expectNoLeaks(async () => {
        const padding = c.padding ? tf.tensor2d(c.padding) : undefined;
        const mask = causalMask(c.T, c.past, padding, c.window);
        if (!mask) throw new Error('causalMask returned undefined where keys are hidden');
        const want = referenceMask(c.T, c.past, c.padding, c.window);
        expect(mask.shape).toEqual(want.shape);
        expect(mask.dtype).toBe('float32');
        // Exact: every value is 0, MASKED or 2·MASKED, all representable in float32.
        expect(Array.from(await mask.data())).toEqual(want.values.map((v) => Math.fround(v)));
        tf.dispose([mask, padding]);
      }));
  }

  it('the same mask asked for again (its host values reused) still equals the reference, also after another', () =>
    expectNoLeaks(async () => {
      for (const [T, past, window] of [[6, 0, undefined], [6, 0, undefined], [3, 2, 2], [6, 0, undefined]] as const) {
        const mask = causalMask(T, past, undefined, window) as tf.Tensor4D;
        expect(Array.from(await mask.data())).toEqual(referenceMask(T, past, undefined, window).values);
        mask.dispose();
      }
    }));

  it('nothing hidden (one query, no window reached, no padding): undefined, no tensor made', () =>
    expectNoLeaks(() => {
      expect(causalMask(1, 0)).toBeUndefined();
      expect(causalMask(1, 4)).toBeUndefined();
      expect(causalMask(1, 2, undefined, 3)).toBeUndefined();
    }));

  it('a padding mask of the wrong shape names the expected shape and leaks nothing', () =>
    expectNoLeaks(() => {
      const padding = tf.ones([2, 4]);
      expect(() => causalMask(3, 2, padding)).toThrow('forward: opts.mask must be [B, 5] (cached + new positions) or [B, 1, 3, 5]; got [2, 4]');
      padding.dispose();
    }));
});
