/**
 * {@link RunIO} on Node's file system. Node's modules are imported on first use, so that `train()`
 * (whose default run IO this is) bundles for browsers, where it is never reached.
 */
import { namedIoError, writeFileAtomic } from '@agon/models';
import { importNodeBuiltin } from '@agon/tensor';
import type { RunIO } from './run-io.js';

const node = () =>
  Promise.all([importNodeBuiltin<typeof import('node:fs/promises')>('node:fs/promises'), importNodeBuiltin<typeof import('node:path')>('node:path')]);

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
  const at = async (path: string) => {
    const [fs, { join, dirname }] = await node();
    return { fs, dirname, file: join(dir, ...path.split('/')) };
  };
  return {
    location: dir,
    async read(path) {
      const { fs: { readFile }, file } = await at(path);
      try {
        return new Uint8Array(await readFile(file));
      } catch (e) {
        if (code(e) === 'ENOENT') return null;
        throw e;
      }
    },
    async writeAtomic(path, data) {
      const { fs: { mkdir }, dirname, file } = await at(path);
      await mkdir(dirname(file), { recursive: true });
      await writeFileAtomic(file, data);
    },
    async append(path, text) {
      const { fs: { appendFile, mkdir, stat, truncate }, dirname, file } = await at(path);
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
      const { fs: { readdir }, file } = await at(path);
      try {
        return await readdir(file);
      } catch (e) {
        if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') return [];
        throw e;
      }
    },
    async rename(from, to) {
      const { fs: { mkdir, rename, rm }, dirname, file: target } = await at(to);
      const { file: source } = await at(from);
      await mkdir(dirname(target), { recursive: true });
      await rm(target, { recursive: true, force: true });
      await rename(source, target);
    },
    async remove(path) {
      const { fs: { rm }, file } = await at(path);
      await rm(file, { recursive: true, force: true });
    },
  };
}
