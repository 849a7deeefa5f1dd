/**
 * safetensors writing. The layout follows the reference writer: `__metadata__` first, compact
 * JSON, the header padded with spaces to a multiple of 8 bytes, tensor data packed in header
 * order. A file written that way reads back and writes out byte for byte the same.
 */
import { nodeFs } from '../files/node-fs.js';
import type { HostTensor } from '../weights.js';
import { writeFileAtomic } from './atomic.js';
import { fromFloat32, type FloatDtype } from './dtypes.js';
import { parseSafetensors, type SafetensorsFile, type SafetensorsTensor } from './parse.js';

const utf8 = new TextEncoder();

/**
 * The bytes of a safetensors file holding `st.tensors` (in that order) and `st.metadata`.
 *
 * @example
 * ```ts
 * const bytes = serializeSafetensors({ file: 'x', tensors: [{ name: 'w', dtype: 'F32', shape: [1], bytes: new Uint8Array(4) }] });
 * ```
 */
export function serializeSafetensors(st: Omit<SafetensorsFile, 'file'> & { file?: string }): Uint8Array {
  // Entries are joined by hand: a JS object would move integer-like names ("0", "10") to the front.
  const entries: string[] = [];
  if (st.metadata) entries.push(`"__metadata__":${JSON.stringify(st.metadata)}`);
  let offset = 0;
  const seen = new Set<string>();
  for (const t of st.tensors) {
    if (t.name === '__metadata__' || seen.has(t.name)) {
      throw new Error(`${st.file ?? 'safetensors'}: cannot write tensor name '${t.name}' twice or as '__metadata__'`);
    }
    seen.add(t.name);
    const info = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.byteLength] };
    entries.push(`${JSON.stringify(t.name)}:${JSON.stringify(info)}`);
    offset += t.bytes.byteLength;
  }
  const json = utf8.encode(`{${entries.join(',')}}`);
  const headerLen = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLen % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerLen / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.byteLength, 8 + headerLen); // space padding, as the reference writer
  let at = 8 + headerLen;
  for (const t of st.tensors) {
    out.set(t.bytes, at);
    at += t.bytes.byteLength;
  }
  return out;
}

/**
 * Float32 host tensors → safetensors tensors of `dtype` (F16/BF16 round to nearest even), in the
 * map's order.
 *
 * @example
 * ```ts
 * const tensors = encodeHostTensors(new Map([['w', { shape: [2], data: new Float32Array([1, 2]) }]]), 'BF16');
 * ```
 */
export function encodeHostTensors(
  tensors: ReadonlyMap<string, HostTensor>,
  dtype: FloatDtype = 'F32',
): SafetensorsTensor[] {
  return [...tensors].map(([name, t]) => ({ name, dtype, shape: [...t.shape], bytes: fromFloat32(t.data, dtype) }));
}

/**
 * Read and validate a safetensors file from disk.
 *
 * @example
 * ```ts
 * const st = await readSafetensors('model.safetensors');
 * ```
 */
export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  return parseSafetensors(await (await nodeFs(path)).readFile(path), path);
}

/**
 * Write a safetensors file atomically (temp file + rename).
 *
 * @example
 * ```ts
 * await writeSafetensors('out/model.safetensors', { tensors: encodeHostTensors(weights) });
 * ```
 */
export async function writeSafetensors(path: string, st: Omit<SafetensorsFile, 'file'>): Promise<void> {
  await writeFileAtomic(path, serializeSafetensors({ ...st, file: path }));
}
