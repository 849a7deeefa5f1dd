// Property tests: random corruptions of real safetensors files either parse cleanly (and every
// tensor then converts) or fail with a plain Error naming the file — never another exception
// type, a crash or a hang. Runs are bounded and seeded, so failures replay.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parseSafetensors, safetensorsWeightSource } from '../src/safetensors/index.js';
import { fixtureDir } from './fixtures/expected.js';

const FILE = 'fuzz.safetensors';
const originals = [
  `${fixtureDir('llama-tiny')}model.safetensors`,
  `${fixtureDir('qwen2-tiny')}model-00001-of-00002.safetensors`,
  `${fixtureDir('dtypes')}dtypes.safetensors`,
].map((p) => new Uint8Array(readFileSync(p)));
const RUNS = { numRuns: 150, seed: 20261127 };

/** 'ok' or 'error'; anything other than a plain Error naming the file is rethrown (fails the property). */
function outcome(bytes: Uint8Array): 'ok' | 'error' {
  try {
    const st = parseSafetensors(bytes, FILE);
    const src = safetensorsWeightSource([st], FILE);
    for (const k of src.keys()) src.get(k);
    return 'ok';
  } catch (e) {
    if (!(e instanceof Error) || e.constructor !== Error || !e.message.startsWith(`${FILE}: `)) throw e;
    return 'error';
  }
}

const headerLength = (b: Uint8Array) => Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true));

/** A file whose header is `header` (any JSON text) and data is the original's data. */
function withHeader(original: Uint8Array, header: string): Uint8Array {
  const json = new TextEncoder().encode(header);
  const data = original.subarray(8 + headerLength(original));
  const out = new Uint8Array(8 + json.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  out.set(data, 8 + json.byteLength);
  return out;
}

const headerOf = (b: Uint8Array) =>
  JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + headerLength(b)))) as Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>;

const fileIndex = fc.integer({ min: 0, max: originals.length - 1 });

describe('safetensors fuzz', () => {
  it('truncation anywhere is always a clean error', () => {
    fc.assert(
      fc.property(fileIndex, fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), (f, at) => {
        const b = originals[f];
        return outcome(b.subarray(0, Math.floor(at * b.byteLength))) === 'error';
      }),
      RUNS,
    );
  });

  it('flipped bytes (biased to the header) parse or fail cleanly', () => {
    fc.assert(
      fc.property(
        fileIndex,
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), fc.integer({ min: 0, max: 255 }), fc.boolean()), { minLength: 1, maxLength: 6 }),
        (f, flips) => {
          const b = originals[f].slice();
          const end = 8 + headerLength(b);
          for (const [pos, value, inHeader] of flips) b[Math.floor(pos * (inHeader ? end : b.byteLength))] = value;
          outcome(b);
        },
      ),
      RUNS,
    );
  });

  it('bogus header lengths (up to 2^64 − 1, and 100 MB+ claims) fail cleanly', () => {
    const claims = fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 100_000_001n, max: 1n << 40n }), fc.bigInt({ min: 0n, max: 4096n }));
    fc.assert(
      fc.property(fileIndex, claims, (f, claim) => {
        const b = originals[f].slice();
        const real = BigInt(headerLength(b));
        new DataView(b.buffer).setBigUint64(0, claim, true);
        const r = outcome(b);
        if (claim !== real) expect(r).toBe('error');
      }),
      RUNS,
    );
  });

  it('header edits (overlapping/out-of-range offsets, unknown dtypes, shapes) fail cleanly', () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('overlap' as const), other: fc.nat() }),
      fc.record({ kind: fc.constant('offsets' as const), begin: fc.integer({ min: -5, max: 1 << 20 }), end: fc.integer({ min: -5, max: 1 << 20 }) }),
      fc.record({ kind: fc.constant('dtype' as const), dtype: fc.oneof(fc.string(), fc.constantFrom('F8_E4M3', 'C64', 'f32', '')) }),
      fc.record({ kind: fc.constant('shape' as const), shape: fc.array(fc.oneof(fc.integer({ min: -3, max: 70 }), fc.constant(2 ** 53)), { maxLength: 4 }) }),
      fc.record({ kind: fc.constant('garbage' as const), value: fc.jsonValue() }),
    );
    fc.assert(
      fc.property(fileIndex, fc.nat(), edit, (f, pick, e) => {
        const header = headerOf(originals[f]);
        const names = Object.keys(header).filter((k) => k !== '__metadata__');
        const name = names[pick % names.length];
        const entry = header[name];
        if (e.kind === 'overlap') {
          const other = header[names[e.other % names.length]];
          if (other === entry) return; // same tensor: no change
          entry.data_offsets = [...other.data_offsets];
        } else if (e.kind === 'offsets') entry.data_offsets = [e.begin, e.end];
        else if (e.kind === 'dtype') entry.dtype = e.dtype;
        else if (e.kind === 'shape') entry.shape = e.shape;
        else (header as Record<string, unknown>)[name] = e.value;
        const r = outcome(withHeader(originals[f], JSON.stringify(header)));
        if (e.kind === 'overlap') expect(r).toBe('error');
      }),
      RUNS,
    );
  });

  it('random bytes fail cleanly', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (b) => outcome(b) === 'error'), RUNS);
  });
});
