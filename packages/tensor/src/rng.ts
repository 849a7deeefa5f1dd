import { drawIndex, samplingProbs, weightTotal } from './kernels/sample/math.js';

/**
 * A seeded random stream for sampling. Pure JS (xoshiro128**, seeded by splitmix32), so the same
 * seed gives the same numbers on every backend and in every JS engine.
 *
 * @example
 * ```ts
 * import { createRng } from '@agon/tensor';
 * const rng = createRng(42);
 * const u = rng.next();          // uniform in [0, 1)
 * const saved = rng.state();     // resume later with createRng({ state: saved })
 * ```
 */
export interface Rng {
  /** Uniform float in [0, 1) with 53 random bits (two 32-bit draws). */
  next(): number;
  /** Uniform unsigned 32-bit integer. */
  nextUint32(): number;
  /** The four 32-bit words of the generator state, for checkpoints. */
  state(): [number, number, number, number];
}

/**
 * Where {@link createRng} starts: a seed, or a state saved by {@link Rng.state}.
 *
 * @example
 * ```ts
 * const fresh: RngSeed = 1234;
 * const resumed: RngSeed = { state: checkpoint.rngState };
 * ```
 */
export type RngSeed = number | { state: readonly number[] };

/** One step of splitmix32: spreads a 32-bit seed over well-mixed words. */
function splitmix32(s: number): [number, number] {
  const next = (s + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return [next, (z ^ (z >>> 15)) >>> 0];
}

/**
 * Creates a seeded {@link Rng}. A numeric seed is taken modulo 2^32 (integers only); a saved state
 * resumes the exact stream.
 *
 * @example
 * ```ts
 * import { createRng } from '@agon/tensor';
 * const a = createRng(7), b = createRng(7);
 * a.next() === b.next(); // true
 * ```
 */
export function createRng(seed: RngSeed): Rng {
  const s = new Uint32Array(4);
  if (typeof seed === 'number') {
    if (!Number.isInteger(seed)) throw new Error(`createRng: seed must be an integer, got ${seed}`);
    let sm = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      const [n, out] = splitmix32(sm);
      sm = n;
      s[i] = out;
    }
  } else {
    const st = seed.state;
    if (st.length !== 4 || st.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new Error(`createRng: state must be four unsigned 32-bit integers, got [${st.join(', ')}]`);
    }
    s.set(st);
  }
  if ((s[0] | s[1] | s[2] | s[3]) === 0) throw new Error('createRng: the all-zero state is not allowed');

  const nextUint32 = (): number => {
    // xoshiro128** (Blackman & Vigna): result = rotl(s1 * 5, 7) * 9.
    const r = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return r;
  };
  return {
    nextUint32,
    next: () => {
      const hi = nextUint32() >>> 5; // 27 bits
      const lo = nextUint32() >>> 6; // 26 bits
      return (hi * 67108864 + lo) / 9007199254740992; // (hi·2^26 + lo) / 2^53
    },
    state: () => [s[0], s[1], s[2], s[3]],
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * Draws an index from unnormalised non-negative weights (probabilities need not sum to 1) by
 * inverting the float64 cumulative sum with one `rng.next()`.
 *
 * @example
 * ```ts
 * import { createRng, sampleCategorical } from '@agon/tensor';
 * const i = sampleCategorical([0.1, 0.7, 0.2], createRng(1)); // 1 most of the time
 * ```
 */
export function sampleCategorical(weights: ArrayLike<number>, rng: Rng): number {
  const total = weightTotal(weights);
  if (Number.isNaN(total)) {
    const i = Array.prototype.findIndex.call(weights, (w: number) => !(w >= 0) || w === Infinity);
    throw new Error(`sampleCategorical: weights[${i}] must be finite and >= 0, got ${weights[i]}`);
  }
  if (!(total > 0)) throw new Error('sampleCategorical: weights must have a positive sum');
  return drawIndex(weights, total, rng.next());
}

/**
 * Draws an index from `softmax(logits / temperature)`, computed in float64 on the host by the
 * sampling math `sampleTokens` runs ({@link samplingProbs} without filters).
 * `-Infinity` logits are never drawn; temperature 0 returns the arg-max (first on ties) without
 * consuming randomness.
 *
 * @example
 * ```ts
 * import { createRng, sampleLogits } from '@agon/tensor';
 * const id = sampleLogits(new Float32Array([2, 0.5, -1]), createRng(3), 0.8);
 * ```
 */
export function sampleLogits(logits: ArrayLike<number>, rng: Rng, temperature = 1): number {
  if (!(temperature >= 0)) throw new Error(`sampleLogits: temperature must be >= 0, got ${temperature}`);
  let best = -1;
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    if (Number.isNaN(logits[i])) throw new Error(`sampleLogits: logits[${i}] is NaN`);
    if (logits[i] > max) {
      max = logits[i];
      best = i;
    }
  }
  if (best < 0) throw new Error('sampleLogits: every logit is -Infinity');
  if (temperature === 0 || max === Infinity) return best;
  return sampleCategorical(samplingProbs(logits, { temperature }) as Float64Array, rng);
}
