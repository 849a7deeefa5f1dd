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

/**
 * Resolves after the event loop has run what is queued (signal handlers, timers, IO callbacks):
 * `setImmediate` in Node, a zero timeout elsewhere. Long loops whose awaits resolve as microtasks
 * (CPU backends' reads) call it so Ctrl-C, timers and heartbeats are not held back.
 *
 * @example
 * ```ts
 * await nextMacrotask(); // a stop requested meanwhile is now visible
 * ```
 */
export function nextMacrotask(): Promise<void> {
  return new Promise<void>((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}
