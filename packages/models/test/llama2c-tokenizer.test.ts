// llama2.c tokenizer.bin + run.c's BPE: ids against a Python port of run.c encode()
// (llama2c-golden/make_golden.py → tokens.json), decoding as run.c prints, hostile files.
import { readFileSync } from 'node:fs';
import { Llama2cTokenizer, parseLlama2cTokenizer } from '@agon/models';

const file = new URL('../assets/stories260K/tok512.bin', import.meta.url);
const bytes = readFileSync(file);
const tok = parseLlama2cTokenizer(bytes, 512, 'tok512.bin');
const cases = (JSON.parse(readFileSync(new URL('./llama2c-golden/tokens.json', import.meta.url), 'utf8')) as {
  cases: { text: string; ids: number[] }[];
}).cases;

describe('llama2.c tokenizer (tok512.bin)', () => {
  it('reads 512 tokens with BOS 1, EOS 2 and <0xNN> byte tokens from id 3', () => {
    expect(tok).toBeInstanceOf(Llama2cTokenizer);
    expect([tok.vocabSize, tok.bosId, tok.eosId]).toEqual([512, 1, 2]);
    expect(new TextDecoder().decode(tok.pieces[3 + 0x41])).toBe('<0x41>');
  });

  it.each(cases.map((c) => [c.text, c.ids] as const))('encodes %j as run.c does', (text, ids) => {
    expect(tok.encode(text, { bos: true })).toEqual(ids);
    expect(tok.encode(text)).toEqual(ids.slice(1));
  });

  it.each(cases.map((c) => c.text))('decode(BOS + encode(%j)) gives the text back', (text) => {
    expect(tok.decode(tok.encode(text, { bos: true }))).toBe(text);
  });

  it('decodes as run.c prints: no leading space after BOS, byte tokens as bytes, lone control bytes dropped', () => {
    expect(tok.decode([1, 403])).toBe('Once');
    expect(tok.decode([403])).toBe(' Once');
    expect(tok.decode([1, 403, 2])).toBe('Once'); // EOS prints nothing
    expect(tok.decode([3 + 0xe2, 3 + 0x80, 3 + 0x93])).toBe('–'); // a UTF-8 character spread over byte tokens
    expect(tok.decode([3 + 0x0a])).toBe('\n');
    expect(tok.decode([3 + 0x07])).toBe(''); // BEL: safe_printf skips it
    expect(() => tok.decode([512])).toThrow(/token id 512 is outside 0\.\.511/);
  });
});

describe('llama2.c tokenizer: hostile files', () => {
  const label = 'bad-tok.bin';
  const mutate = (f: (b: Buffer) => Buffer) => f(Buffer.from(bytes));

  it('rejects a file shorter than its 4-byte header', () => {
    expect(() => parseLlama2cTokenizer(new Uint8Array(2), 512, label)).toThrow(/bad-tok\.bin: truncated tokenizer\.bin: 2 bytes/);
  });
  it('rejects a truncated token list, naming the token', () => {
    expect(() => parseLlama2cTokenizer(bytes.subarray(0, 3000), 512, label)).toThrow(/bad-tok\.bin: truncated tokenizer\.bin: token \d+ (of 512 starts|needs)/);
  });
  it('rejects a vocabulary size that does not match the file', () => {
    expect(() => parseLlama2cTokenizer(bytes, 500, label)).toThrow(/bytes after token 499; expected exactly 500 tokens/);
    expect(() => parseLlama2cTokenizer(bytes, 600, label)).toThrow(/truncated tokenizer\.bin: token 512 of 600/);
  });
  it('rejects a token length that is negative or above max_token_length', () => {
    const neg = mutate((b) => (b.writeInt32LE(-5, 8), b));
    expect(() => parseLlama2cTokenizer(neg, 512, label)).toThrow(/bad-tok\.bin: token 0 field 'length' is -5; expected 0\.\.\d+/);
    const huge = mutate((b) => (b.writeInt32LE(0x7fffffff, 8), b));
    expect(() => parseLlama2cTokenizer(huge, 512, label)).toThrow(/token 0 field 'length' is 2147483647/);
  });
  it('rejects a non-finite score', () => {
    const nan = mutate((b) => (b.writeFloatLE(NaN, 4), b));
    expect(() => parseLlama2cTokenizer(nan, 512, label)).toThrow(/token 0 field 'score' is NaN/);
  });
});
