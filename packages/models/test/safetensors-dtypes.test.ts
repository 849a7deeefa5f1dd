// Dtype conversion exactness against torch 1.13 (the values in fixtures/dtypes were converted by
// torch: `.half()`, `.bfloat16()`, and back with `.float()`), bit for bit, NaN and ±0 included.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromFloat32, readSafetensors, safetensorsWeightSource, type SafetensorsTensor } from '@agon/models/safetensors';

const dir = fileURLToPath(new URL('./fixtures/dtypes/', import.meta.url));
const expected = JSON.parse(readFileSync(`${dir}expected.json`, 'utf8')) as Record<string, (number | string)[]>;

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength)));

describe('safetensors dtypes', () => {
  let tensors: Map<string, SafetensorsTensor>;
  let src: ReturnType<typeof safetensorsWeightSource>;
  const stored = (name: string): Uint8Array => {
    const t = tensors.get(name);
    if (!t) throw new Error(`fixture tensor ${name} missing`);
    return t.bytes;
  };
  beforeAll(async () => {
    const st = await readSafetensors(`${dir}dtypes.safetensors`);
    tensors = new Map(st.tensors.map((t) => [t.name, t]));
    src = safetensorsWeightSource([st], 'dtypes.safetensors');
  });

  it('F16 → float32 equals torch .half().float() bit for bit', () => {
    expect(tensors.get('f16')?.dtype).toBe('F16');
    expect(bits(src.get('f16').data)).toEqual(bits(src.get('f16_as_f32').data));
  });

  it('BF16 → float32 equals torch .bfloat16().float() bit for bit', () => {
    expect(tensors.get('bf16')?.dtype).toBe('BF16');
    expect(bits(src.get('bf16').data)).toEqual(bits(src.get('bf16_as_f32').data));
  });

  it('float32 → F16 and → BF16 round to nearest even exactly as torch (NaN payloads aside)', () => {
    const values = src.get('src').data;
    // NaN payload bits differ between torch builds (0x7fc0 vs 0xffff for bf16); only "is NaN" matters.
    const halves = (b: Uint8Array, nanMask: number): number[] =>
      Array.from(new Uint16Array(new Uint8Array(b).buffer)).map((h) => ((h & nanMask) === nanMask && (h & ~nanMask & 0x7fff) !== 0 ? -1 : h));
    expect(values.some(Number.isNaN)).toBe(true);
    expect(halves(fromFloat32(values, 'F16'), 0x7c00)).toEqual(halves(stored('f16'), 0x7c00));
    expect(halves(fromFloat32(values, 'BF16'), 0x7f80)).toEqual(halves(stored('bf16'), 0x7f80));
    expect(Buffer.from(fromFloat32(values, 'F32'))).toEqual(Buffer.from(stored('src')));
  });

  it('integer, bool and F64 tensors convert to float32 values', () => {
    for (const name of ['i8', 'u8', 'i16', 'i32', 'i64', 'bool']) {
      expect({ name, v: Array.from(src.get(name).data) }).toEqual({ name, v: expected[name].map((x) => Math.fround(Number(x))) });
    }
    expect(Array.from(src.get('f64').data)).toEqual([1.5, -2.25, Infinity, 0]);
  });

  it('keeps shapes and row-major order', () => {
    const m = src.get('matrix', [2, 3]);
    expect(m.shape).toEqual([2, 3]);
    expect(Array.from(m.data)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
