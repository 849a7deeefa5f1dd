/**
 * Strict safetensors parsing: an 8-byte little-endian header length, a JSON header, then the raw
 * tensor bytes. Hostile files (truncated, lying header lengths, overlapping or out-of-range
 * offsets, unknown dtypes) are rejected with an error naming the file and the key, before any
 * large allocation.
 */
import { DTYPE_BYTES, isSafetensorsDtype, type SafetensorsDtype } from './dtypes.js';

/**
 * Headers larger than this are refused (the reference implementation uses the same cap).
 *
 * @example
 * ```ts
 * MAX_HEADER_BYTES; // 100_000_000
 * ```
 */
export const MAX_HEADER_BYTES = 100_000_000;

/**
 * One tensor of a safetensors file, still in its stored dtype.
 *
 * @example
 * ```ts
 * const t: SafetensorsTensor = { name: 'w', dtype: 'F32', shape: [1], bytes: new Uint8Array(4) };
 * ```
 */
export interface SafetensorsTensor {
  /** Key in the header, e.g. `model.layers.0.mlp.up_proj.weight`. */
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** The stored little-endian bytes (a view into the file when parsed). */
  bytes: Uint8Array;
}

/**
 * A parsed safetensors file: tensors in header order plus the optional `__metadata__` strings.
 *
 * @example
 * ```ts
 * const f: SafetensorsFile = { file: 'model.safetensors', metadata: { format: 'pt' }, tensors: [] };
 * ```
 */
export interface SafetensorsFile {
  /** Path or label used in error messages. */
  file: string;
  /** The header's `__metadata__` (string → string), when present. */
  metadata?: Record<string, string>;
  tensors: SafetensorsTensor[];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * The keys of a JSON object text in the order they are written (JSON.parse would move integer-like
 * keys such as "10" first, and the round trip must keep the file's order). `text` has already
 * passed JSON.parse, so only strings and nesting need tracking. A repeated key is an error.
 */
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) {
        keys.push(JSON.parse(text.slice(i, j + 1)) as string);
        expectKey = false;
      }
      i = j;
    } else if (c === '{' || c === '[') {
      depth++;
      if (depth === 1) expectKey = true;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
  }
  return keys;
}

/** Strict UTF-8 so a corrupted header fails here instead of becoming replacement characters. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parse safetensors bytes. The returned tensors are views into `bytes` (no copy).
 *
 * @param bytes - the whole file.
 * @param file - the path or label for error messages.
 * @throws Error naming `file` (and the key) when the file is malformed.
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * const st = parseSafetensors(readFileSync('model.safetensors'), 'model.safetensors');
 * console.log(st.tensors.map((t) => `${t.name} ${t.dtype} [${t.shape}]`));
 * ```
 */
export function parseSafetensors(bytes: Uint8Array, file: string): SafetensorsFile {
  const fail = (what: string): never => {
    throw new Error(`${file}: invalid safetensors file: ${what}`);
  };
  if (bytes.byteLength < 8) fail(`${bytes.byteLength} bytes, expected at least 8 (the header length)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const high = view.getUint32(4, true);
  const low = view.getUint32(0, true);
  const headerLen = high * 2 ** 32 + low; // exact for any value below 2^53; beyond, it is refused anyway
  if (headerLen > MAX_HEADER_BYTES) fail(`header length ${headerLen} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  if (8 + headerLen > bytes.byteLength) {
    fail(`header length ${headerLen} runs past the end of the file (${bytes.byteLength} bytes)`);
  }
  if (headerLen < 2) fail(`header length ${headerLen}, expected a JSON object`);
  let text: string;
  try {
    text = utf8.decode(bytes.subarray(8, 8 + headerLen));
  } catch {
    return fail('header is not valid UTF-8');
  }
  if (text[0] !== '{') fail(`header must start with '{', found ${JSON.stringify(text[0])}`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(header)) return fail('header is not a JSON object');

  const dataStart = 8 + headerLen;
  const dataLen = bytes.byteLength - dataStart;
  let metadata: Record<string, string> | undefined;
  const tensors: SafetensorsTensor[] = [];
  const spans: { name: string; begin: number; end: number }[] = [];
  const keys = topLevelKeys(text);
  if (new Set(keys).size !== keys.length) {
    fail(`header repeats key '${keys.find((k, i) => keys.indexOf(k) !== i)}'`);
  }
  for (const name of keys) {
    const entry = (header as Record<string, unknown>)[name];
    if (name === '__metadata__') {
      if (!isPlainObject(entry) || Object.values(entry).some((v) => typeof v !== 'string')) {
        fail(`'__metadata__' must map strings to strings`);
      }
      metadata = entry as Record<string, string>;
      continue;
    }
    const bad = (what: string): never => fail(`tensor '${name}': ${what}`);
    if (!isPlainObject(entry)) bad('entry is not an object');
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (!isSafetensorsDtype(dtype)) {
      bad(`unsupported dtype ${JSON.stringify(dtype)}, expected one of ${Object.keys(DTYPE_BYTES).join(', ')}`);
    }
    if (!Array.isArray(shape) || !shape.every(isCount)) {
      bad(`shape ${JSON.stringify(shape)} is not an array of non-negative integers`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
      bad(`data_offsets ${JSON.stringify(offsets)} is not [begin, end] of non-negative integers`);
    }
    const [begin, end] = offsets as number[];
    if (begin > end) bad(`data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataLen) bad(`data_offsets [${begin}, ${end}] run past the ${dataLen} data bytes`);
    // Element count with an overflow guard: a hostile shape must not produce a bogus match.
    let count = 1;
    for (const d of shape as number[]) {
      count *= d;
      if (count > Number.MAX_SAFE_INTEGER) bad(`shape [${(shape as number[]).join(', ')}] is too large`);
    }
    const size = count * DTYPE_BYTES[dtype as SafetensorsDtype];
    if (size !== end - begin) {
      bad(`shape [${(shape as number[]).join(', ')}] × ${dtype} needs ${size} bytes, data_offsets span ${end - begin}`);
    }
    tensors.push({
      name,
      dtype: dtype as SafetensorsDtype,
      shape: [...(shape as number[])],
      bytes: bytes.subarray(dataStart + begin, dataStart + end),
    });
    spans.push({ name, begin, end });
  }
  // The data must be tiled exactly: sorted by offset, each tensor starts where the last ended.
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let prev = '';
  for (const s of spans) {
    if (s.begin < cursor) fail(`tensor '${s.name}' data_offsets [${s.begin}, ${s.end}] overlap tensor '${prev}'`);
    if (s.begin > cursor) fail(`tensor '${s.name}' data_offsets [${s.begin}, ${s.end}] leave a gap after byte ${cursor}`);
    cursor = s.end;
    prev = s.name;
  }
  if (cursor !== dataLen) fail(`tensors cover ${cursor} of the ${dataLen} data bytes`);
  return metadata ? { file, metadata, tensors } : { file, tensors };
}
