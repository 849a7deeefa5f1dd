/** Atomic file writes: readers never see a half-written checkpoint. */
import { nodeFs } from '../files/node-fs.js';
import { baseName as basename, dirName as dirname, joinPath as join } from '../files/path.js';

/**
 * Write `data` to `path` atomically: write a temp file in the same folder, then rename it over
 * `path` (rename is atomic within one file system). The temp file is removed on failure.
 *
 * @example
 * ```ts
 * await writeFileAtomic('out/config.json', JSON.stringify({ a: 1 }));
 * ```
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const { rename, rm, writeFile } = await nodeFs(path);
  const tag = [...crypto.getRandomValues(new Uint8Array(4))].map((b) => b.toString(16).padStart(2, '0')).join('');
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${tag}.tmp`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw namedIoError(path, e);
  }
}

/**
 * An IO error that names `path`: Node's own message omits it for writes (`ENOSPC: no space left on
 * device, write`), which leaves a user with a full disk guessing which file failed.
 *
 * @example
 * ```ts
 * try { await appendFile(file, line); } catch (e) { throw namedIoError(file, e); }
 * ```
 */
export function namedIoError(path: string, e: unknown): Error {
  const message = String((e as { message?: unknown })?.message ?? e);
  if (message.includes(path)) return e instanceof Error ? e : new Error(message);
  const err = new Error(`${path}: ${message}`, { cause: e });
  const code = (e as { code?: unknown })?.code;
  if (typeof code === 'string') Object.assign(err, { code });
  return err;
}
