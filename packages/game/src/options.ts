/**
 * Checks shared by the game factories' options: a misspelt option ("digitz") is an error naming
 * the known ones, never silently ignored.
 */

/**
 * Throws `<game>: unknown option 'x'; options: a, b, c` for the first key of `options` that
 * `known` does not list; also when `options` is not a plain object.
 *
 * @example
 * ```ts
 * checkOptionNames('arithmetic', { digitz: 2 }, ['digits', 'ops', 'maxChars']); // throws
 * ```
 */
export function checkOptionNames(game: string, options: unknown, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new Error(`${game}: options must be an object, got ${JSON.stringify(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new Error(`${game}: unknown option '${key}'; options: ${known.join(', ')}`);
  }
}
