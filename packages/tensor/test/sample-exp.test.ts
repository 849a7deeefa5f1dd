// The sampler's exponentials: expF64 (exp.ts) is fdlibm's exp, so it equals V8's Math.exp bit for
// bit over the whole range (random bit patterns, every reduction boundary, the thresholds and the
// special values), and the wasm kernels' exp_shifted_f64 (native/sample.c) gives expRowSum's
// terms and sum bit for bit — two lanes at a time, special lanes through the scalar path, odd
// tails, with and without a temperature — and its row_max_f32 the first index of the largest
// non-NaN value, as a JavaScript scan finds it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { expF64 } from '../src/kernels/sample/exp.js';
import { expRowSum } from '../src/kernels/sample/math.js';
import { createRng } from '../src/rng.js';

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
/** The next double towards +∞. */
function nextUp(x: number): number {
  bits[0] = x;
  if (x >= 0) {
    words[0] = (words[0] + 1) >>> 0;
    if (words[0] === 0) words[1]++;
  } else {
    if (words[0] === 0) words[1]--;
    words[0] = (words[0] - 1) >>> 0;
  }
  return bits[0];
}
const nextDown = (x: number) => -nextUp(-x);

/** The inputs whose exp differs between expF64 and Math.exp (Object.is, so -0 and NaN count). */
function mismatches(xs: Iterable<number>): number[] {
  const bad: number[] = [];
  for (const x of xs) if (!Object.is(expF64(x), Math.exp(x))) bad.push(x);
  return bad;
}

describe('expF64', () => {
  it('equals Math.exp on the special values and at the thresholds of every branch', () => {
    const xs = [0, -0, 1, -1, Infinity, -Infinity, Number.NaN, 5e-324, -5e-324, 1e-300, 2 ** -28, -(2 ** -28), 2 ** -29];
    // 0.5·ln2 and 1.5·ln2 (the reduction's tests), 709.78 (overflow), −745.13 (underflow), 2^-28
    for (const c of [0.3465735912322998, 1.0397205352783203, 709.7822265625, 709.782712893384, 745.1332191019411, 708.3964185322641, 2 ** -28, Math.LN2]) {
      let lo = c;
      let hi = c;
      for (let i = 0; i < 300; i++) {
        lo = nextDown(lo);
        hi = nextUp(hi);
        xs.push(lo, hi, -lo, -hi);
      }
    }
    expect(mismatches(xs)).toEqual([]);
  });

  it('equals Math.exp at every k boundary (x/ln2 = j + 1/2, ±10 ulps) from underflow to overflow', () => {
    const xs: number[] = [];
    for (let j = -1080; j <= 1030; j++) {
      let up = (j + 0.5) * Math.LN2;
      let down = up;
      for (let i = 0; i < 10; i++) xs.push((up = nextUp(up)), (down = nextDown(down)));
    }
    expect(mismatches(xs)).toEqual([]);
  });

  it('equals Math.exp on 600 000 random inputs: bit patterns from 2^-30 to 2^10 of both signs and uniform in [-760, 760]', () => {
    const rng = createRng(7);
    const xs: number[] = [];
    for (let i = 0; i < 200_000; i++) {
      words[1] = 0x3e100000 + Math.floor(rng.next() * (0x40900000 - 0x3e100000));
      words[0] = Math.floor(rng.next() * 2 ** 32);
      xs.push(bits[0], -bits[0], (rng.next() - 0.5) * 1520);
    }
    expect(mismatches(xs)).toEqual([]);
  });
});

describe('exp_shifted_f64 (native/sample.c)', () => {
  const wasm = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../wasm/agon-kernels.wasm');
  const memory = new WebAssembly.Memory({ initial: 64 });
  const ex = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(wasm)), { env: { memory } }).exports as unknown as {
    __stack_pointer: WebAssembly.Global;
    exp_shifted_f64(n: number, x: number, max: number, t: number, out: number): number;
    row_max_f32(n: number, x: number): number;
  };
  ex.__stack_pointer.value = 65536;
  const X = 1 << 17;
  const OUT = 1 << 20;

  /** Runs both on one row; returns the first difference found, or null. */
  function compare(row: Float32Array, max: number, t: number): string | null {
    new Float32Array(memory.buffer, X, row.length).set(row);
    const sum = ex.exp_shifted_f64(row.length, X, max, t, OUT);
    const terms = new Float64Array(memory.buffer, OUT, row.length);
    const p = new Float64Array(row.length);
    const want = expRowSum(row, max, t, p);
    for (let i = 0; i < row.length; i++) if (!Object.is(terms[i], p[i])) return `term ${i}: x ${row[i]} max ${max} T ${t}: ${terms[i]} vs ${p[i]}`;
    if (!Object.is(sum, want)) return `sum: ${sum} vs ${want}`;
    const sumOnly = ex.exp_shifted_f64(row.length, X, max, t, 0);
    if (!Object.is(sumOnly, want)) return `sum without terms: ${sumOnly} vs ${want}`;
    if (!Object.is(expRowSum(row, max, t, null), want)) return 'expRowSum without terms';
    return null;
  }

  it('gives expRowSum\'s terms and sum bit for bit: rows of 1–4099 logits at scales 0.3–1000, special values planted, T 1, 0.7, 0.05 and 3', () => {
    const rng = createRng(11);
    const specials = [Number.NaN, Infinity, -Infinity, 0, -0, 1, 2 ** -29, 1e-40, 3.4e38, -3.4e38];
    const fails: string[] = [];
    for (let rep = 0; rep < 48; rep++) {
      const n = [1, 2, 3, 5, 4099, 1024][rep % 6];
      const scale = [0.3, 2, 10, 50, 400, 1000][(rep >> 1) % 6];
      const row = Float32Array.from({ length: n }, () => (rng.next() - 0.5) * scale);
      if (rep % 3 === 0) for (let j = 0; j < Math.ceil(n / 50); j++) row[Math.floor(rng.next() * n)] = specials[Math.floor(rng.next() * specials.length)];
      let max = -Infinity;
      for (const v of row) if (v > max) max = v;
      for (const t of [1, 0.7, 0.05, 3]) {
        for (const m of [max, row[Math.floor(rng.next() * n)], max - 1, max + 0.5]) {
          const f = compare(row, m, t);
          if (f) fails.push(f);
        }
      }
    }
    expect(fails).toEqual([]);
  });

  it('row_max_f32: the first index of the largest non-NaN value (−1 when all are NaN), with ties, −∞, NaN first and odd lengths', () => {
    const rng = createRng(13);
    const scan = (row: Float32Array) => {
      let max = -Infinity;
      let at = -1;
      for (let i = 0; i < row.length; i++) if (row[i] > max || (at < 0 && row[i] === max)) [max, at] = [row[i], i];
      return at;
    };
    const rows: Float32Array[] = [new Float32Array([Number.NaN]), new Float32Array([-Infinity, Number.NaN]), new Float32Array(9).fill(Number.NaN), new Float32Array(13).fill(-Infinity)];
    for (let rep = 0; rep < 300; rep++) {
      const n = 1 + Math.floor(rng.next() * (rep % 3 ? 40 : 5000));
      // Few distinct values, so the largest is often tied.
      const row = Float32Array.from({ length: n }, () => Math.floor(rng.next() * 6) - 3);
      for (let j = 0; j < rep % 4; j++) row[Math.floor(rng.next() * n)] = [Number.NaN, -Infinity, Infinity][j % 3];
      if (rep % 5 === 0) row[0] = Number.NaN;
      rows.push(row);
    }
    const got = rows.map((row) => {
      new Float32Array(memory.buffer, X, row.length).set(row);
      return ex.row_max_f32(row.length, X);
    });
    expect(got).toEqual(rows.map(scan));
    expect(got.slice(0, 4)).toEqual([-1, 0, -1, 0]);
  });
});
