// Property tests on the llama2.c readers (src/llama2c/): random corruptions of the real
// stories260K checkpoints and tok512 tokenizer either parse cleanly or fail with a plain Error
// naming the file — never another exception type, a crash or a hang. Bounded, seeded runs.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parseLlama2cCheckpoint } from '../src/llama2c/checkpoint.js';
import { parseLlama2cTokenizer } from '../src/llama2c/tokenizer.js';

const asset = (name: string) => new Uint8Array(readFileSync(new URL(`../assets/stories260K/${name}`, import.meta.url)));
const checkpoints = [asset('stories260K.bin'), asset('stories260K_v1.bin')];
const tokenizer = asset('tok512.bin');
const FILE = 'fuzz.bin';
const RUNS = { numRuns: 120, seed: 20261127 };

function outcome(parse: () => unknown): 'ok' | 'error' {
  try {
    parse();
    return 'ok';
  } catch (e) {
    if (!(e instanceof Error) || e.constructor !== Error || !e.message.startsWith(`${FILE}: `)) throw e;
    return 'error';
  }
}

const parseCkpt = (b: Uint8Array) => () => {
  const { weights } = parseLlama2cCheckpoint(b, FILE);
  for (const k of weights.keys()) weights.get(k);
};

const which = fc.integer({ min: 0, max: checkpoints.length - 1 });
const fraction = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });

describe('llama2.c fuzz', () => {
  it('checkpoint: truncation anywhere is always a clean error (the size must match the header)', () => {
    fc.assert(fc.property(which, fraction, (i, at) => outcome(parseCkpt(checkpoints[i].subarray(0, Math.floor(at * checkpoints[i].byteLength)))) === 'error'), RUNS);
  });

  it('checkpoint: extra trailing bytes are a clean error', () => {
    fc.assert(
      fc.property(which, fc.uint8Array({ minLength: 1, maxLength: 64 }), (i, extra) => {
        const b = new Uint8Array(checkpoints[i].byteLength + extra.byteLength);
        b.set(checkpoints[i]);
        b.set(extra, checkpoints[i].byteLength);
        return outcome(parseCkpt(b)) === 'error';
      }),
      RUNS,
    );
  });

  it('checkpoint: random header fields (dims, magic, version, flag) parse or fail cleanly', () => {
    const field = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: -2, max: 1024 }));
    fc.assert(
      fc.property(which, fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), field), { minLength: 1, maxLength: 4 }), (i, edits) => {
        const b = checkpoints[i].slice();
        const dv = new DataView(b.buffer);
        for (const [slot, value] of edits) dv.setInt32(slot * 4, value, true);
        outcome(parseCkpt(b));
      }),
      RUNS,
    );
  });

  it('checkpoint: flipped bytes anywhere parse or fail cleanly', () => {
    fc.assert(
      fc.property(which, fc.array(fc.tuple(fraction, fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (i, flips) => {
        const b = checkpoints[i].slice();
        for (const [pos, v] of flips) b[Math.floor(pos * Math.min(b.byteLength, 512))] = v; // header region
        outcome(parseCkpt(b));
      }),
      RUNS,
    );
  });

  it('tokenizer: truncation, flips and bogus lengths parse or fail cleanly', () => {
    fc.assert(
      fc.property(fraction, fc.array(fc.tuple(fraction, fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), (cut, flips) => {
        const b = tokenizer.slice(0, Math.max(0, Math.floor(cut * tokenizer.byteLength * 1.2)));
        for (const [pos, v] of flips) if (b.byteLength > 0) b[Math.floor(pos * b.byteLength)] = v;
        outcome(() => parseLlama2cTokenizer(b, 512, FILE));
      }),
      RUNS,
    );
  });

  it('random bytes fail cleanly', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (b) => outcome(parseCkpt(b)) === 'error'), RUNS);
  });
});
