/**
 * Where a command writes, injected so tests read the output without spawning a process.
 *
 * @example
 * ```ts
 * const lines: string[] = [];
 * const io: CliIO = { out: (s) => lines.push(s), err: (s) => lines.push(s) };
 * ```
 */
export interface CliIO {
  /** One line of normal output. */
  out(line: string): void;
  /** One line of diagnostics. */
  err(line: string): void;
}

/**
 * The process's own stdout/stderr as a {@link CliIO}.
 *
 * @example
 * ```ts
 * processIO.out('hello');
 * ```
 */
export const processIO: CliIO = {
  out: (line) => void process.stdout.write(line + '\n'),
  err: (line) => void process.stderr.write(line + '\n'),
};

/**
 * A user error: printed as one line with no stack trace, and the process exits non-zero.
 *
 * @example
 * ```ts
 * throw new UsageError("unknown flag '--tmperature' (did you mean --temperature?)");
 * ```
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * The first line of an error's message, whatever was thrown and whichever realm made it
 * (`instanceof Error` fails across VM contexts).
 *
 * @example
 * ```ts
 * firstLine(new Error('bad file\nstack…')); // 'bad file'
 * ```
 */
export function firstLine(e: unknown): string {
  return String((e as { message?: unknown } | null)?.message ?? e).split('\n')[0];
}
