/**
 * Flag parsing shared by the commands: node's parseArgs, with every mistake turned into a one-line
 * {@link UsageError} that names the flag and what was expected.
 */
import { parseArgs } from 'node:util';
import { firstLine, UsageError } from './io.js';

/** The flag table of one command, in parseArgs' shape. */
export type FlagSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/**
 * Parses `args` against `spec` (strict: unknown flags and stray positionals are errors).
 *
 * @example
 * ```ts
 * const flags = parseFlags('generate', ['--seed', '3'], { seed: { type: 'string' } });
 * flags.seed; // '3'
 * ```
 */
export function parseFlags(command: string, args: readonly string[], spec: FlagSpec): Record<string, string | boolean | undefined> {
  try {
    const { values } = parseArgs({ args: joinNegativeValues(args, spec), options: spec, strict: true, allowPositionals: false });
    return values as Record<string, string | boolean | undefined>;
  } catch (e) {
    throw new UsageError(`${command}: ${firstLine(e).replace(/\. To specify a positional argument.*$/, '')}`);
  }
}

/**
 * parseArgs takes a value that starts with '-' (`--steps -1`) for an option and reports an
 * ambiguous argument; `--steps=-1` reaches the range check instead, which names the flag.
 */
function joinNegativeValues(args: readonly string[], spec: FlagSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = args[i + 1];
    if (a.startsWith('--') && !a.includes('=') && spec[a.slice(2)]?.type === 'string' && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

/**
 * Reads a numeric flag, checking it is finite and within [min, max] (and an integer when asked).
 *
 * @example
 * ```ts
 * numberFlag('generate', 'top-p', '0.9', { min: 0, max: 1 }); // 0.9
 * ```
 */
export function numberFlag(
  command: string,
  name: string,
  raw: string | boolean | undefined,
  range: { min: number; max?: number; integer?: boolean },
): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  const want = `${range.integer ? 'an integer' : 'a number'} >= ${range.min}${range.max !== undefined ? ` and <= ${range.max}` : ''}`;
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || n < range.min || (range.max !== undefined && n > range.max) || (range.integer && !Number.isInteger(n))) {
    throw new UsageError(`${command}: --${name} must be ${want}, got '${String(raw)}'`);
  }
  return n;
}

/**
 * Reads `--bos folder|always` (the tokenizer's BOS rule; undefined when not given).
 *
 * @example
 * ```ts
 * bosFlag('generate', 'always'); // 'always'
 * ```
 */
export function bosFlag(command: string, raw: string | boolean | undefined): 'folder' | 'always' | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'folder' || raw === 'always') return raw;
  throw new UsageError(`${command}: --bos must be folder or always, got '${String(raw)}'`);
}
