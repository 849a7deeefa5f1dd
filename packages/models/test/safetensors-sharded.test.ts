// Sharded checkpoints: model.safetensors.index.json's weight_map, its shards, and bad indexes.
import { mkdtemp, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors, readShardedSafetensors, safetensorsWeightSource } from '../src/safetensors/index.js';

const dir = fileURLToPath(new URL('./fixtures/qwen2-tiny/', import.meta.url));
const index = join(dir, 'model.safetensors.index.json');
const shards = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];

describe('sharded safetensors', () => {
  it('loads every weight_map key from its shard, as F16 converted to float32', async () => {
    const map = JSON.parse(await readFile(index, 'utf8')) as { weight_map: Record<string, string>; metadata: { total_size: number } };
    const src = await readShardedSafetensors(index);
    expect(src.keys().sort()).toEqual(Object.keys(map.weight_map).sort());
    let bytes = 0;
    for (const key of src.keys()) bytes += src.get(key).data.length * 2; // stored as F16
    expect(bytes).toBe(map.metadata.total_size);
    // Same values as reading the shard directly.
    const shard = safetensorsWeightSource([await readSafetensors(join(dir, map.weight_map['model.norm.weight']))], 'x');
    expect(Array.from(src.get('model.norm.weight', [16]).data)).toEqual(Array.from(shard.get('model.norm.weight').data));
  });

  it('names the shard file on a wrong shape and the index on a missing key', async () => {
    const src = await readShardedSafetensors(index);
    expect(() => src.get('model.norm.weight', [17])).toThrow(
      /model-0000\d-of-00002\.safetensors: tensor 'model\.norm\.weight' has shape \[16\], expected \[17\]/,
    );
    expect(() => src.get('lm_head.weight', [64, 16])).toThrow(
      /model\.safetensors\.index\.json: missing tensor 'lm_head\.weight' \(expected shape \[64, 16\]\)/,
    );
  });

  describe('bad indexes', () => {
    let tmp: string;
    beforeEach(async () => {
      tmp = await mkdtemp(join(tmpdir(), 'agon-shard-'));
      for (const s of shards) await copyFile(join(dir, s), join(tmp, s));
    });
    afterEach(() => rm(tmp, { recursive: true, force: true }));
    const write = (obj: unknown) => writeFile(join(tmp, 'model.safetensors.index.json'), typeof obj === 'string' ? obj : JSON.stringify(obj));
    const load = () => readShardedSafetensors(join(tmp, 'model.safetensors.index.json'));

    it('rejects bad JSON and a missing weight_map', async () => {
      await write('{"weight_map": ');
      await expect(load()).rejects.toThrow(/model\.safetensors\.index\.json: not valid JSON/);
      await write({ metadata: {} });
      await expect(load()).rejects.toThrow(/model\.safetensors\.index\.json: missing field 'weight_map' \(expected an object\)/);
      await write({ weight_map: ['a'] });
      await expect(load()).rejects.toThrow(/model\.safetensors\.index\.json: field 'weight_map' must be an object \(found \["a"\]\)/);
    });

    it('rejects shard paths outside the folder', async () => {
      await write({ weight_map: { a: '../secret.safetensors' } });
      await expect(load()).rejects.toThrow(/field 'weight_map\.a' must be a file name in the same folder \(found "\.\.\/secret\.safetensors"\)/);
    });

    it('rejects a missing shard and a key absent from its shard', async () => {
      await write({ weight_map: { 'model.norm.weight': 'nope.safetensors' } });
      await expect(load()).rejects.toThrow(/cannot read shard nope\.safetensors/);
      await write({ weight_map: { 'model.nothing': shards[0] } });
      await expect(load()).rejects.toThrow(/tensor 'model\.nothing' is not in its shard model-00001-of-00002\.safetensors/);
    });
  });
});
