// Shared by the CLI tests: a CliIO that keeps what a command prints.
import type { CliIO } from '@agon/cli';

/** A {@link CliIO} keeping stdout and stderr lines apart. */
export function capture(): CliIO & { outLines: string[]; errLines: string[] } {
  const outLines: string[] = [];
  const errLines: string[] = [];
  return { outLines, errLines, out: (l) => void outLines.push(l), err: (l) => void errLines.push(l) };
}
