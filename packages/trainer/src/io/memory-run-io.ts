/** {@link RunIO} held in memory: for tests, and for browsers without an origin-private file system. */
import type { RunIO } from './run-io.js';

const clean = (path: string) => path.split('/').filter((s) => s !== '' && s !== '.').join('/');
const under = (dir: string, key: string) => dir === '' || key.startsWith(`${dir}/`);

/**
 * A run folder that lives only as long as this object: files are byte arrays keyed by their path,
 * folders exist while they hold a file. Writes replace a whole entry at once, so they are atomic.
 *
 * @example
 * ```ts
 * const io = memoryRunIO();
 * await train(config, { ...pieces, io });
 * const metrics = await readMetrics(io);
 * ```
 */
export function memoryRunIO(location = 'memory:run'): RunIO {
  const files = new Map<string, Uint8Array>();
  const encode = (data: Uint8Array | string) => (typeof data === 'string' ? new TextEncoder().encode(data) : data.slice());
  const entries = (path: string) => [...files.keys()].filter((k) => k === path || under(path, k));
  return {
    location,
    async read(path) {
      const bytes = files.get(clean(path));
      return bytes === undefined ? null : bytes.slice();
    },
    async writeAtomic(path, data) {
      files.set(clean(path), encode(data));
    },
    async append(path, text) {
      const key = clean(path);
      const old = files.get(key) ?? new Uint8Array(0);
      const add = encode(text);
      const next = new Uint8Array(old.length + add.length);
      next.set(old);
      next.set(add, old.length);
      files.set(key, next);
    },
    async list(dir) {
      const d = clean(dir);
      const names = new Set<string>();
      for (const k of files.keys()) if (under(d, k) && k !== d) names.add(k.slice(d === '' ? 0 : d.length + 1).split('/')[0]);
      return [...names];
    },
    async rename(from, to) {
      const [f, t] = [clean(from), clean(to)];
      const moving = entries(f);
      if (moving.length === 0) throw new Error(`${location}/${f}: cannot rename, it does not exist`);
      for (const k of entries(t)) files.delete(k);
      for (const k of moving) {
        const bytes = files.get(k);
        if (bytes) files.set(t + k.slice(f.length), bytes);
        files.delete(k);
      }
    },
    async remove(path) {
      for (const k of entries(clean(path))) files.delete(k);
    },
  };
}
