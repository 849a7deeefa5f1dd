// Byte-exact read → write → read on every committed safetensors fixture (written by
// safetensors 0.8 itself through transformers' save_pretrained, tools/hf_fixtures.py), through memory and through disk.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  encodeHostTensors,
  parseSafetensors,
  readSafetensors,
  safetensorsWeightSource,
  serializeSafetensors,
  writeSafetensors,
} from '../src/safetensors/index.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

async function safetensorsFixtures(): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(fixtures, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    for (const f of await readdir(join(fixtures, entry.name))) if (f.endsWith('.safetensors')) out.push(join(fixtures, entry.name, f));
  }
  return out.sort();
}

describe('safetensors round trip', () => {
  it('finds the fixtures (F32, F16, BF16, shards, dtypes)', async () => {
    const files = await safetensorsFixtures();
    expect(files.length).toBeGreaterThanOrEqual(8);
    const dtypes = new Set<string>();
    for (const f of files) for (const t of (await readSafetensors(f)).tensors) dtypes.add(t.dtype);
    expect([...dtypes].sort()).toEqual(['BF16', 'BOOL', 'F16', 'F32', 'F64', 'I16', 'I32', 'I64', 'I8', 'U8']);
  });

  it('parse → serialize reproduces every fixture byte for byte', async () => {
    for (const f of await safetensorsFixtures()) {
      const bytes = new Uint8Array(await readFile(f));
      const again = serializeSafetensors(parseSafetensors(bytes, f));
      expect({ f, equal: Buffer.compare(Buffer.from(again), Buffer.from(bytes)) === 0 }).toEqual({ f, equal: true });
    }
  });

  it('writeSafetensors → readSafetensors through disk is byte-exact and leaves no temp file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agon-st-'));
    try {
      for (const f of await safetensorsFixtures()) {
        const st = await readSafetensors(f);
        const out = join(dir, 'copy.safetensors');
        await writeSafetensors(out, st);
        expect(Buffer.compare(await readFile(out), await readFile(f))).toBe(0);
        const back = await readSafetensors(out);
        expect(back.metadata).toEqual(st.metadata);
        expect(back.tensors.map((t) => [t.name, t.dtype, t.shape])).toEqual(st.tensors.map((t) => [t.name, t.dtype, t.shape]));
      }
      expect(await readdir(dir)).toEqual(['copy.safetensors']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('pads the header with spaces to a multiple of 8 and puts __metadata__ first', () => {
    const bytes = serializeSafetensors({
      metadata: { format: 'pt' },
      tensors: [{ name: 'b', dtype: 'F32', shape: [1], bytes: new Uint8Array([0, 0, 128, 63]) }],
    });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(header.trimEnd()).toBe('{"__metadata__":{"format":"pt"},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}');
    expect(header.slice(header.trimEnd().length)).toMatch(/^ *$/);
    expect(bytes.byteLength).toBe(8 + n + 4);
  });

  it('encodes float32 host tensors and reads them back as the same values', () => {
    const data = new Float32Array([1, -2.5, 0.1, 3e-5]);
    const st = parseSafetensors(serializeSafetensors({ tensors: encodeHostTensors(new Map([['w', { shape: [2, 2], data }]])) }), 'mem');
    expect(Array.from(safetensorsWeightSource([st], 'mem').get('w', [2, 2]).data)).toEqual(Array.from(data));
  });

  it('keeps the written order of integer-like names ("10" before "2"), which a JS object would reorder', () => {
    const f4 = (x: number) => new Uint8Array(new Float32Array([x]).buffer);
    const tensors = [
      { name: '10', dtype: 'F32' as const, shape: [1], bytes: f4(10) },
      { name: '2', dtype: 'F32' as const, shape: [1], bytes: f4(2) },
      { name: 'a"\\b\u00e9', dtype: 'F32' as const, shape: [1], bytes: f4(3) },
    ];
    const bytes = serializeSafetensors({ metadata: { k: 'v' }, tensors });
    const st = parseSafetensors(bytes, 'mem');
    expect(st.tensors.map((t) => t.name)).toEqual(['10', '2', 'a"\\b\u00e9']);
    expect(Buffer.compare(Buffer.from(serializeSafetensors(st)), Buffer.from(bytes))).toBe(0);
  });

  it('reads the file written by the reference implementation (safetensors 0.8.0) with its values', async () => {
    const st = await readSafetensors(join(fixtures, 'reference', 'written-by-safetensors-0.8.0.safetensors'));
    expect(st.metadata).toEqual({ format: 'pt', writer: 'safetensors 0.8.0' });
    // Reference order: dtype widest first, then name.
    expect(st.tensors.map((t) => `${t.name}:${t.dtype}`)).toEqual(['ids:I64', 'weight:F32', 'é:F32', 'bf:BF16', 'half:F16', '10:U8', '2:U8']);
    const src = safetensorsWeightSource([st], 'ref');
    expect(Array.from(src.get('weight', [3, 4]).data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(Array.from(src.get('half').data)).toEqual([1, -2, 0.5]);
    expect(Array.from(src.get('bf').data)).toEqual([1, 2, 3]);
    expect(Array.from(src.get('ids').data)).toEqual([1, 2, 3]);
    expect([src.get('10').data[0], src.get('2').data[0], src.get('é').data[0]]).toEqual([10, 2, 0.25]);
  });
});
