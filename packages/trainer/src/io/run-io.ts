/**
 * The run folder's storage, as one small interface: everything the trainer writes or reads back
 * (config, logs, checkpoints, exported weights, the report) goes through it, so the loop runs the
 * same on Node's file system or a browser's origin-private file system.
 */

/**
 * Files under one run folder. Paths are relative to the folder and use `/`; parent folders are
 * created as needed. A path that does not exist reads as `null` (files) or `[]` (folders).
 *
 * @example
 * ```ts
 * const io: RunIO = nodeRunIO('runs/a');
 * await io.writeAtomic('config.json', '{}\n');
 * await io.append('metrics.jsonl', '{"step":1}\n');
 * await io.list('checkpoints'); // e.g. ['step-000010']
 * ```
 */
export interface RunIO {
  /** Where the folder is, for messages (e.g. `runs/a`). */
  readonly location: string;
  /** The bytes of a file, or null when it does not exist. */
  read(path: string): Promise<Uint8Array | null>;
  /** Writes a whole file so that a reader sees the old content or the new, never a part (temp file + rename). */
  writeAtomic(path: string, data: Uint8Array | string): Promise<void>;
  /** Appends text to a file (created when missing). */
  append(path: string, text: string): Promise<void>;
  /** Names of the entries of a folder (files and folders), or [] when it does not exist. */
  list(dir: string): Promise<string[]>;
  /** Moves a file or folder; an existing target is replaced. */
  rename(from: string, to: string): Promise<void>;
  /** Deletes a file or folder with everything in it; nothing happens when it does not exist. */
  remove(path: string): Promise<void>;
}

/**
 * A path inside the run folder for messages: `runs/a/checkpoints/step-000010`.
 *
 * @example
 * ```ts
 * throw new Error(`${where(io, 'config.json')}: not valid JSON`);
 * ```
 */
export function where(io: RunIO, path: string): string {
  return `${io.location.replace(/[\\/]+$/, '')}/${path}`;
}

/**
 * A file's text, or null when it does not exist.
 *
 * @example
 * ```ts
 * const text = await readText(io, 'config.json');
 * ```
 */
export async function readText(io: RunIO, path: string): Promise<string | null> {
  const bytes = await io.read(path);
  return bytes === null ? null : new TextDecoder().decode(bytes);
}

/**
 * Writes `value` as pretty JSON, atomically.
 *
 * @example
 * ```ts
 * await writeJson(io, 'summary.json', { steps: 10 });
 * ```
 */
export async function writeJson(io: RunIO, path: string, value: unknown): Promise<void> {
  await io.writeAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}
