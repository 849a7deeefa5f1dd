/**
 * Imports a Node built-in at run time without naming it to bundlers. Only Node code paths reach
 * these imports, but a browser bundler resolves every literal `import('node:…')` it sees and fails
 * on it; a specifier held in a variable is left for the runtime.
 *
 * @example
 * ```ts
 * const { readFile } = await importNodeBuiltin<typeof import('node:fs/promises')>('node:fs/promises');
 * ```
 */
export function importNodeBuiltin<T>(name: `node:${string}`): Promise<T> {
  return import(/* webpackIgnore: true */ /* @vite-ignore */ name) as Promise<T>;
}
