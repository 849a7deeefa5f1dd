// AdamW, the LR schedule and global-norm clipping against plain float64 loops.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import { AdamW, clipByGlobalNorm, fixedQueries, globalNorm, learningRate } from '@agon/trainer';

/** A variable from values; tf.variable shares the initial tensor's data, so the handle is freed. */
function variable(x: tf.Tensor, name: string): tf.Variable {
  const v = tf.variable(x, true, name);
  x.dispose();
  return v;
}

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/** AdamW in float64 (Loshchilov & Hutter, decoupled decay), the reference. */
function adamwRef(theta: number[], grads: number[][], lrs: number[], o: { beta1: number; beta2: number; eps: number; weightDecay: number }): number[] {
  const m = theta.map(() => 0);
  const v = theta.map(() => 0);
  let x = [...theta];
  grads.forEach((g, k) => {
    const t = k + 1;
    x = x.map((xi, i) => {
      m[i] = o.beta1 * m[i] + (1 - o.beta1) * g[i];
      v[i] = o.beta2 * v[i] + (1 - o.beta2) * g[i] ** 2;
      const mh = m[i] / (1 - o.beta1 ** t);
      const vh = v[i] / (1 - o.beta2 ** t);
      return xi - lrs[k] * xi * o.weightDecay - lrs[k] * (mh / (Math.sqrt(vh) + o.eps));
    });
  });
  return x;
}

describe('AdamW', () => {
  it('matches a float64 AdamW over 3 steps, and export/import continues identically', async () => {
    await expectNoLeaks(async () => {
      const o = { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1 };
      const theta = [0.5, -1.25, 2, 0.03];
      const grads = [
        [0.1, -0.2, 0.3, 0],
        [1, 0.5, -0.25, 2],
        [-0.3, 0.1, 0.05, -1],
      ];
      const lrs = [0.01, 0.02, 0.005];
      const w = variable(tf.tensor1d(theta), 'w');
      const opt = new AdamW([w], o);
      for (let k = 0; k < 2; k++) {
        const g = tf.tensor1d(grads[k]);
        opt.apply({ w: g }, lrs[k]);
        g.dispose();
      }
      // Save the state, continue on a fresh optimizer: the same as never stopping.
      const state = await opt.exportState();
      const w2 = variable(tf.clone(w), 'w2');
      const opt2 = new AdamW([w2], o);
      opt2.importState({ t: state.t, m: { w2: state.m.w }, v: { w2: state.v.w } });
      const g = tf.tensor1d(grads[2]);
      opt.apply({ w: g }, lrs[2]);
      opt2.apply({ w2: g }, lrs[2]);
      g.dispose();
      const ref = adamwRef(theta, grads, lrs, o);
      const got = Array.from(await w.data());
      got.forEach((x, i) => expect(Math.abs(x - ref[i])).toBeLessThan(1e-6));
      expect(Array.from(await w2.data())).toEqual(got);
      expect(opt.steps).toBe(3);
      opt.dispose();
      opt2.dispose();
      tf.dispose([w, w2]);
    });
  });

  it('names a missing gradient', () => {
    const w = variable(tf.zeros([2]), 'only');
    const opt = new AdamW([w], { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
    expect(() => opt.apply({}, 0.1)).toThrow('AdamW: no gradient for variable only');
    opt.dispose();
    w.dispose();
  });
});

describe('learningRate', () => {
  const o = { lr: 1, warmupSteps: 4, schedule: 'cosine' as const, minLrRatio: 0.1 };
  it('warms up linearly, then decays by cosine to lr·minLrRatio at the last step', () => {
    expect([0, 1, 2, 3].map((s) => learningRate(s, o, 14))).toEqual([0.25, 0.5, 0.75, 1]);
    expect(learningRate(4, o, 14)).toBeCloseTo(1, 12);
    expect(learningRate(13, o, 14)).toBeCloseTo(0.1, 12);
    const mid = 4 + 4.5;
    expect(learningRate(mid, o, 14)).toBeCloseTo(0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * 0.5)), 12);
  });
  it('stays at lr when constant', () => {
    expect(learningRate(100, { ...o, schedule: 'constant' }, 14)).toBe(1);
  });
});

describe('global-norm clipping', () => {
  it('computes the norm over all tensors and scales to maxNorm', async () => {
    await expectNoLeaks(async () => {
      const grads: Record<string, tf.Tensor> = { a: tf.tensor1d([3, 0]), b: tf.tensor2d([[0, 4]]) };
      const norm = await globalNorm(grads);
      expect(norm).toBeCloseTo(5, 6);
      clipByGlobalNorm(grads, norm, 1);
      expect(await globalNorm(grads)).toBeCloseTo(1, 5);
      expect(Array.from(await grads.a.data())[0]).toBeCloseTo(0.6, 5);
      clipByGlobalNorm(grads, 1, 0); // 0 = off: untouched
      tf.dispose(Object.values(grads));
    });
  });
});

describe('fixedQueries', () => {
  it('walks the list in a seeded order, every item once per pass, statelessly', () => {
    const list = ['a', 'b', 'c', 'd', 'e'];
    const src = fixedQueries(list, { seed: 7 });
    const pass = [...src.pick(0, 2), ...src.pick(1, 2), src.pick(2, 2)[0]];
    expect([...pass].sort()).toEqual(list);
    expect(fixedQueries(list, { seed: 7 }).pick(1, 2)).toEqual(src.pick(1, 2));
    expect(() => fixedQueries([])).toThrow('fixedQueries: the list is empty');
  });
});
