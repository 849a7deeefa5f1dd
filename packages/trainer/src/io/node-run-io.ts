/** {@link RunIO} on Node's file system. */
import { appendFile, mkdir, readdir, readFile, rename, rm, stat, truncate } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { namedIoError, writeFileAtomic } from '@agon/models';
import type { RunIO } from './run-io.js';

/** Node's error code of a failed file call (`ENOENT`, `ENOTDIR`, …). */
const code = (e: unknown): unknown => (e as { code?: unknown }).code;

/**
 * The run folder `dir` on the local disk (created on the first write).
 *
 * @example
 * ```ts
 * const io = nodeRunIO('runs/a');
 * await io.writeAtomic('summary.json', '{}\n');
 * ```
 */
export function nodeRunIO(dir: string): RunIO {
  const at = (path: string) => join(dir, ...path.split('/'));
  return {
    location: dir,
    async read(path) {
      try {
        return new Uint8Array(await readFile(at(path)));
      } catch (e) {
        if (code(e) === 'ENOENT') return null;
        throw e;
      }
    },
    async writeAtomic(path, data) {
      const file = at(path);
      await mkdir(dirname(file), { recursive: true });
      await writeFileAtomic(file, data);
    },
    async append(path, text) {
      const file = at(path);
      await mkdir(dirname(file), { recursive: true });
      // A write cut short (a full disk) is cut back to the old length: the file never ends mid-line.
      const before = await stat(file).then((st) => st.size, () => 0);
      try {
        await appendFile(file, text);
      } catch (e) {
        await truncate(file, before).catch(() => undefined);
        throw namedIoError(file, e);
      }
    },
    async list(path) {
      try {
        return await readdir(at(path));
      } catch (e) {
        if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') return [];
        throw e;
      }
    },
    async rename(from, to) {
      const target = at(to);
      await mkdir(dirname(target), { recursive: true });
      await rm(target, { recursive: true, force: true });
      await rename(at(from), target);
    },
    remove: (path) => rm(at(path), { recursive: true, force: true }),
  };
}
