/**
 * safetensors → the shared {@link WeightSource}: single files and sharded checkpoints
 * (`model.safetensors.index.json`). Tensors convert to float32 when asked for, one at a time, so
 * a bf16 checkpoint is never held twice in full.
 */
import { JsonFields, parseJsonObject } from '../config/fields.js';
import { nodeFs } from '../files/node-fs.js';
import { baseName as basename, joinPath as join } from '../files/path.js';
import type { HostTensor, WeightSource } from '../weights.js';
import { toFloat32 } from './dtypes.js';
import { parseSafetensors, type SafetensorsFile, type SafetensorsTensor } from './parse.js';

/**
 * A {@link WeightSource} over parsed safetensors files (one, or the shards of one checkpoint).
 * `get` converts the stored dtype to float32 on each call.
 *
 * @param files - parsed files; a key found in two of them is an error.
 * @param label - what error messages call the whole set (the file, or the index file).
 * @example
 * ```ts
 * const src = safetensorsWeightSource([await readSafetensors('model.safetensors')], 'model.safetensors');
 * const w = src.get('model.norm.weight', [64]);
 * ```
 */
export function safetensorsWeightSource(files: readonly SafetensorsFile[], label: string): WeightSource {
  const byName = new Map<string, { file: string; t: SafetensorsTensor }>();
  for (const f of files) {
    for (const t of f.tensors) {
      const prior = byName.get(t.name);
      if (prior) throw new Error(`${label}: tensor '${t.name}' appears in both ${prior.file} and ${f.file}`);
      byName.set(t.name, { file: f.file, t });
    }
  }
  return {
    file: label,
    keys: () => [...byName.keys()],
    has: (key) => byName.has(key),
    get(key, shape): HostTensor {
      const hit = byName.get(key);
      if (!hit) {
        throw new Error(`${label}: missing tensor '${key}'${shape ? ` (expected shape [${shape.join(', ')}])` : ''}`);
      }
      const { file, t } = hit;
      if (shape && (shape.length !== t.shape.length || shape.some((d, i) => d !== t.shape[i]))) {
        throw new Error(`${file}: tensor '${key}' has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
      }
      const count = t.shape.reduce((a, b) => a * b, 1);
      return { shape: [...t.shape], data: toFloat32(t.bytes, t.dtype, count) };
    },
  };
}

/**
 * How a folder reader gets bytes; injected so tests and browsers can supply their own.
 *
 * @example
 * ```ts
 * const read: ReadBytes = async (path) => new Uint8Array(await (await fetch(path)).arrayBuffer());
 * ```
 */
export type ReadBytes = (path: string) => Promise<Uint8Array>;

const nodeRead: ReadBytes = async (path) => (await nodeFs(path)).readFile(path);

/**
 * Read a sharded checkpoint from its `model.safetensors.index.json`: every shard named in
 * `weight_map`, checking that each key is in the shard the index names.
 *
 * @example
 * ```ts
 * const weights = await readShardedSafetensors('ckpt/model.safetensors.index.json');
 * ```
 */
export async function readShardedSafetensors(indexPath: string, read: ReadBytes = nodeRead): Promise<WeightSource> {
  const dir = indexPath.slice(0, indexPath.length - basename(indexPath).length) || '.';
  const map = new JsonFields(parseJsonObject(await read(indexPath), indexPath), indexPath).object('weight_map');
  const shardOf = new Map<string, string>();
  for (const [key, shard] of Object.entries(map.json)) {
    // A shard is a plain file name beside the index: no folders, so a hostile index cannot reach elsewhere.
    if (typeof shard !== 'string' || shard === '' || /[/\\]/.test(shard) || shard === '.' || shard === '..') {
      throw map.fail(key, 'a file name in the same folder', shard);
    }
    shardOf.set(key, shard);
  }
  const files: SafetensorsFile[] = [];
  for (const shard of new Set(shardOf.values())) {
    const path = join(dir, shard);
    const bytes = await read(path).catch((e: Error) => {
      throw new Error(`${indexPath}: cannot read shard ${shard} (${e.message})`);
    });
    const parsed = parseSafetensors(bytes, path);
    // Keep exactly the tensors the index assigns to this shard.
    const wanted = parsed.tensors.filter((t) => shardOf.get(t.name) === shard);
    files.push({ ...parsed, tensors: wanted });
  }
  const source = safetensorsWeightSource(files, indexPath);
  for (const [key, shard] of shardOf) {
    if (!source.has(key)) throw new Error(`${indexPath}: tensor '${key}' is not in its shard ${shard}`);
  }
  return source;
}
