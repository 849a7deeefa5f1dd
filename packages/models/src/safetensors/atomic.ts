/** Atomic file writes: readers never see a half-written checkpoint. */
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

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
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
