/**
 * `@agon/cli`: the `agon` command line, also callable as a function.
 * @packageDocumentation
 */
export { main } from './main.js';
export { processIO, UsageError } from './io.js';
export type { CliIO } from './io.js';
