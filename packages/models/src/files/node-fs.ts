/**
 * Node's `fs/promises` and `path`, imported when first used: the functions that read or write a
 * local folder run only in Node, and nothing else in this package names a Node module, so a browser
 * bundle of `@agon/models` needs no Node shims.
 */
import { importNodeBuiltin } from '@agon/tensor';

/**
 * `node:fs/promises`, loaded on first use (a clear error outside Node).
 *
 * @example
 * ```ts
 * const { readFile } = await nodeFs('read models/a/config.json');
 * ```
 */
export async function nodeFs(what: string): Promise<typeof import('node:fs/promises')> {
  return importNodeBuiltin<typeof import('node:fs/promises')>('node:fs/promises').catch((e: unknown) => {
    throw new Error(`${what}: the local file system is reachable only in Node (${String((e as Error)?.message ?? e)}); in a browser, pass files (blobFiles, urlFiles)`);
  });
}
