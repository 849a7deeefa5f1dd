// Hostile safetensors files: every malformation is an Error naming the file (and the key), never
// a crash, a hang or a huge allocation.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseSafetensors } from '../src/safetensors/index.js';

const real = new Uint8Array(readFileSync(fileURLToPath(new URL('./fixtures/llama-tiny/model.safetensors', import.meta.url))));

/** A file with `header` (JSON text, unpadded) and `dataLen` zero bytes of data. */
function file(header: string | object, dataLen: number, claimedLen?: number): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.byteLength + dataLen);
  new DataView(out.buffer).setBigUint64(0, BigInt(claimedLen ?? json.byteLength), true);
  out.set(json, 8);
  return out;
}

const t = (dtype: string, shape: number[], begin: number, end: number) => ({ dtype, shape, data_offsets: [begin, end] });

const cases: [string, Uint8Array, RegExp][] = [
  ['empty file', new Uint8Array(0), /bad\.st: invalid safetensors file: 0 bytes, expected at least 8/],
  ['truncated header', real.subarray(0, 100), /runs past the end of the file \(100 bytes\)/],
  ['truncated data', real.subarray(0, real.byteLength - 1), /tensor '[^']+': data_offsets \[\d+, \d+\] run past the \d+ data bytes/],
  ['header length beyond the file', file({ a: t('F32', [1], 0, 4) }, 4, 5000), /header length 5000 runs past the end/],
  ['header length claim over 100 MB', file('{}', 0, 200_000_000), /header length 200000000 exceeds the 100000000-byte limit/],
  ['header length near 2^64', file('{}', 0, Number.MAX_SAFE_INTEGER), /exceeds the 100000000-byte limit/],
  ['bad JSON', file('{"a": {"dtype": "F32",', 4), /header is not valid JSON/],
  ['not an object', file('[1, 2, 3]', 0), /header must start with '\{'/],
  ['invalid UTF-8', (() => { const f = file('{"a":1}', 0); f[10] = 0xff; return f; })(), /not valid UTF-8/],
  ['unknown dtype', file({ w: t('F8_E4M3', [4], 0, 4) }, 4), /tensor 'w': unsupported dtype "F8_E4M3", expected one of F64, F32/],
  ['offsets out of range', file({ w: t('F32', [2], 0, 8) }, 4), /tensor 'w': data_offsets \[0, 8\] run past the 4 data bytes/],
  ['offsets reversed', file({ w: t('F32', [0], 4, 0) }, 4), /tensor 'w': data_offsets \[4, 0\] end before they begin/],
  ['overlapping offsets', file({ a: t('F32', [2], 0, 8), b: t('F32', [2], 4, 12) }, 12), /tensor 'b' data_offsets \[4, 12\] overlap tensor 'a'/],
  ['gap between tensors', file({ a: t('F32', [1], 0, 4), b: t('F32', [1], 8, 12) }, 12), /tensor 'b' data_offsets \[8, 12\] leave a gap after byte 4/],
  ['shape × dtype ≠ span', file({ w: t('F32', [2, 2], 0, 12) }, 12), /tensor 'w': shape \[2, 2\] × F32 needs 16 bytes, data_offsets span 12/],
  ['negative dim', file({ w: t('F32', [-1], 0, 4) }, 4), /tensor 'w': shape \[-1\] is not an array of non-negative integers/],
  ['fractional offset', file({ w: t('F32', [1], 0.5, 4) }, 4), /tensor 'w': data_offsets \[0.5,4\] is not \[begin, end\]/],
  ['huge shape product', file({ w: t('U8', [2 ** 40, 2 ** 40], 0, 4) }, 4), /tensor 'w': shape \[1099511627776, 1099511627776\] is too large/],
  ['trailing bytes', file({ w: t('F32', [1], 0, 4) }, 8), /tensors cover 4 of the 8 data bytes/],
  ['bad metadata', file({ __metadata__: { a: 1 } }, 0), /'__metadata__' must map strings to strings/],
  ['repeated key', file('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', 8), /header repeats key 'w'/],
  ['entry not an object', file({ w: 3 }, 0), /tensor 'w': entry is not an object/],
];

describe('safetensors hostile input', () => {
  it.each(cases)('%s → a clear Error', (_name, bytes, message) => {
    let err: unknown;
    try {
      parseSafetensors(bytes, 'bad.st');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^bad\.st: invalid safetensors file: /);
    expect((err as Error).message).toMatch(message);
  });

  it('the real file parses (the corruptions above are what break it)', () => {
    expect(parseSafetensors(real, 'llama-tiny').tensors.length).toBeGreaterThan(10);
  });
});
