// Shared by the tensor tests: the cpu backend (with gradients), the leak check, float64 references.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agon/tensor';

export { expectNoLeaks } from '@agon/tensor/testing';

/** Selects the cpu backend (and registers tfjs gradients) once per test file. */
export async function useCpu(): Promise<void> {
  await initBackend({ backend: 'cpu' });
}

/** Reads a scalar and disposes it (async: WebGPU has no synchronous read). */
export async function take(x: tf.Tensor): Promise<number> {
  const v = (await x.data())[0];
  x.dispose();
  return v;
}

export type Mat = number[][];

/** Float64 per-token KL estimates with r = ref − logp (the clamps of klK3 included). */
export const refKl = {
  k1: (lp: number, rf: number) => lp - rf,
  k2: (lp: number, rf: number) => 0.5 * (lp - rf) ** 2,
  k3: (lp: number, rf: number) => {
    const r = Math.max(-20, Math.min(20, rf - lp));
    return Math.min(10, Math.exp(r) - r - 1);
  },
};

export interface RefLossSpec {
  kind: 'reinforce' | 'ppo';
  beta: number;
  kl: keyof typeof refKl;
  agg: 'tokenMean' | 'sequenceMean' | 'sequenceSum';
  epsLow?: number;
  epsHigh?: number;
}

/** The losses written as plain float64 loops over the formulas of docs/objectives.md. */
export function refLoss(lp: Mat, rf: Mat, old: Mat, adv: number[], mask: Mat, s: RefLossSpec): number {
  const per: Mat = lp.map((row, b) =>
    row.map((x, t) => {
      let pg: number;
      if (s.kind === 'reinforce') pg = -adv[b] * x;
      else {
        const ratio = Math.exp(x - old[b][t]);
        const clipped = Math.min(Math.max(ratio, 1 - (s.epsLow ?? 0.2)), 1 + (s.epsHigh ?? 0.2));
        pg = -Math.min(ratio * adv[b], clipped * adv[b]);
      }
      return pg + s.beta * refKl[s.kl](x, rf[b][t]);
    }),
  );
  let total = 0;
  let tokens = 0;
  let seqs = 0;
  let seqMeans = 0;
  per.forEach((row, b) => {
    const n = mask[b].reduce((a, m) => a + m, 0);
    const sum = row.reduce((a, v, t) => a + v * mask[b][t], 0);
    total += sum;
    tokens += n;
    if (n > 0) {
      seqs += 1;
      seqMeans += sum / n;
    }
  });
  if (s.agg === 'tokenMean') return total / Math.max(tokens, 1);
  if (s.agg === 'sequenceSum') return total / Math.max(seqs, 1);
  return seqMeans / Math.max(seqs, 1);
}

/** Central finite differences of `f` with respect to every entry of `x` (float64). */
export function finiteDiff(f: (x: Mat) => number, x: Mat, h = 1e-6): Mat {
  return x.map((row, b) =>
    row.map((_v, t) => {
      const plus = x.map((r) => [...r]);
      const minus = x.map((r) => [...r]);
      plus[b][t] += h;
      minus[b][t] -= h;
      return (f(plus) - f(minus)) / (2 * h);
    }),
  );
}
