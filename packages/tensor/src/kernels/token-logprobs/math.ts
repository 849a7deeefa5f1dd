/**
 * Log-softmax, target gather and entropy over rows of V logits on host float32 arrays, sums in
 * float64: one pass for the row maximum, one for Σ exp, one for the entropy, and no [N, V]
 * temporary. The backward pass writes d(logits) from the saved log-sum-exp and entropy.
 */

/**
 * Throws naming the first row whose target is not an id in [0, V).
 *
 * @example
 * ```ts
 * checkTargets(new Int32Array([0, 4]), 4); // throws: target 4 of row 1 is not an id in [0, 4)
 * ```
 */
export function checkTargets(targets: ArrayLike<number>, V: number): void {
  for (let n = 0; n < targets.length; n++) {
    const t = targets[n];
    if (!(t >= 0 && t < V)) throw new Error(`token log-probs: target ${t} of row ${n} is not an id in [0, ${V})`);
  }
}

/**
 * Per row n of z [N, V]: logZ = log Σ exp z, lp = z[target] − logZ, entropy = logZ − Σ p·z
 * (−Σ p·log p; a −∞ logit has p = 0 and adds nothing).
 *
 * @example
 * ```ts
 * const lp = new Float32Array(1), ent = new Float32Array(1), logZ = new Float32Array(1);
 * tokenLogprobsForward(new Float32Array([0, 0]), new Int32Array([1]), 2, lp, ent, logZ); // lp[0] = ent[0]·(−1) = log ½
 * ```
 */
export function tokenLogprobsForward(
  z: Float32Array,
  targets: ArrayLike<number>,
  V: number,
  lp: Float32Array,
  ent: Float32Array,
  logZ: Float32Array,
): void {
  const N = lp.length;
  for (let n = 0; n < N; n++) {
    const o = n * V;
    let max = -Infinity;
    for (let j = 0; j < V; j++) if (z[o + j] > max) max = z[o + j];
    let sum = 0;
    let sz = 0;
    for (let j = 0; j < V; j++) {
      const x = z[o + j];
      if (x === -Infinity) continue;
      const e = Math.exp(x - max);
      sum += e;
      sz += e * (x - max);
    }
    // Σ p·(z − max) = sz / sum; log Z − max = log sum.
    const ls = Math.log(sum);
    const t = targets[n];
    logZ[n] = max + ls;
    lp[n] = z[o + t] - max - ls;
    ent[n] = ls - sz / sum;
  }
}

/**
 * d(logits) of Σ dLp·lp + Σ dEnt·entropy + Σ dLogZ·logZ: with p = exp(z − logZ),
 * g = (onehot(target) − p)·dLp − p·(log p + H)·dEnt + p·dLogZ, written into g [N, V].
 *
 * @example
 * ```ts
 * const g = new Float32Array(2);
 * tokenLogprobsBackward(new Float32Array([0, 0]), new Int32Array([1]), new Float32Array([Math.log(2)]),
 *   new Float32Array([Math.log(2)]), new Float32Array([1]), new Float32Array([0]), undefined, 2, g); // g = [−½, ½]
 * ```
 */
export function tokenLogprobsBackward(
  z: Float32Array,
  targets: ArrayLike<number>,
  logZ: Float32Array,
  ent: Float32Array,
  dLp: Float32Array,
  dEnt: Float32Array,
  dLogZ: Float32Array | undefined,
  V: number,
  g: Float32Array,
): void {
  const N = logZ.length;
  for (let n = 0; n < N; n++) {
    const o = n * V;
    const L = logZ[n];
    const H = ent[n];
    const a = dLp[n];
    const b = dEnt[n];
    const c = dLogZ ? dLogZ[n] : 0;
    for (let j = 0; j < V; j++) {
      const x = z[o + j];
      if (x === -Infinity) {
        g[o + j] = 0;
        continue;
      }
      const logp = x - L;
      const p = Math.exp(logp);
      g[o + j] = p * (c - a - (logp + H) * b);
    }
    g[o + targets[n]] += a;
  }
}
