/**
 * {@link RunIO} on a browser's origin-private file system (OPFS, `navigator.storage.getDirectory()`).
 *
 * What OPFS guarantees, and so what this gives: a `FileSystemWritableFileStream` writes into a swap
 * file and replaces the file's contents only when `close()` succeeds; `abort()`, an error or a closed
 * tab before `close()` leaves the old contents. Every whole-file write and every append goes through
 * one such stream, so a reader sees the old bytes or the new, never a part — the browser's own
 * temp file + rename. Moving a folder uses `FileSystemHandle.move()` where the browser has it
 * (Chromium) and otherwise copies, then removes the source: there a tab closed mid-copy can leave
 * the target half made (the source stays whole).
 */
import type { RunIO } from './run-io.js';

type Dir = FileSystemDirectoryHandle;
type Movable = FileSystemHandle & { move?: (parent: Dir, name: string) => Promise<void> };

const segments = (path: string) => path.split('/').filter((s) => s !== '' && s !== '.');
const missing = (e: unknown) => e instanceof DOMException && (e.name === 'NotFoundError' || e.name === 'TypeMismatchError');

/** The folder at `parts` under `root`, or null when it (or a parent) does not exist and `create` is false. */
async function folder(root: Dir, parts: string[], create: true): Promise<Dir>;
async function folder(root: Dir, parts: string[], create: boolean): Promise<Dir | null>;
async function folder(root: Dir, parts: string[], create: boolean): Promise<Dir | null> {
  let d = root;
  for (const p of parts) {
    try {
      d = await d.getDirectoryHandle(p, { create });
    } catch (e) {
      if (!create && missing(e)) return null;
      throw e;
    }
  }
  return d;
}

/** The file or folder called `name` in `parent`, or null. */
async function entry(parent: Dir, name: string): Promise<FileSystemHandle | null> {
  for (const get of [() => parent.getFileHandle(name), () => parent.getDirectoryHandle(name)]) {
    try {
      return await get();
    } catch (e) {
      if (!missing(e)) throw e;
    }
  }
  return null;
}

/** Writes through one writable stream: the file changes only when the stream closes. */
async function writeStream(file: FileSystemFileHandle, data: Uint8Array | string, append: boolean): Promise<void> {
  const stream = await file.createWritable({ keepExistingData: append });
  try {
    if (append) await stream.seek((await file.getFile()).size);
    await stream.write(typeof data === 'string' ? data : new Uint8Array(data));
    await stream.close();
  } catch (e) {
    await stream.abort().catch(() => undefined);
    throw e;
  }
}

/** Copies a file or folder into `parent` as `name`. */
async function copy(from: FileSystemHandle, parent: Dir, name: string): Promise<void> {
  if (from.kind === 'file') {
    const bytes = new Uint8Array(await (await (from as FileSystemFileHandle).getFile()).arrayBuffer());
    await writeStream(await parent.getFileHandle(name, { create: true }), bytes, false);
    return;
  }
  const target = await parent.getDirectoryHandle(name, { create: true });
  for await (const child of (from as Dir & { values(): AsyncIterable<FileSystemHandle> }).values()) await copy(child, target, child.name);
}

/**
 * The run folder `dir` (e.g. `runs/a`) under `root`, by default this origin's private file system.
 *
 * @example
 * ```ts
 * const io = await opfsRunIO('runs/a');
 * await train(config, { ...pieces, io });
 * const metrics = await readMetrics(io); // the same run folder after a reload
 * ```
 */
export async function opfsRunIO(dir: string, root?: Dir): Promise<RunIO> {
  const top = root ?? (await navigator.storage.getDirectory());
  const base = segments(dir);
  const split = (path: string) => {
    const parts = [...base, ...segments(path)];
    const name = parts.pop();
    if (name === undefined) throw new Error(`opfs:${dir}: "${path}" names the run folder itself, not an entry in it`);
    return { parts, name };
  };
  /** The existing folder that holds `path` (or null) and the entry's name. */
  const parentOf = async (path: string) => {
    const { parts, name } = split(path);
    return { parent: await folder(top, parts, false), name };
  };
  /** The folder that holds `path`, created as needed, and the entry's name. */
  const makeParent = async (path: string) => {
    const { parts, name } = split(path);
    return { parent: await folder(top, parts, true), name };
  };
  const location = `opfs:${base.join('/')}`;
  return {
    location,
    async read(path) {
      const { parent, name } = await parentOf(path);
      const handle = parent && (await entry(parent, name));
      if (!handle || handle.kind !== 'file') return null;
      return new Uint8Array(await (await (handle as FileSystemFileHandle).getFile()).arrayBuffer());
    },
    async writeAtomic(path, data) {
      const { parent, name } = await makeParent(path);
      await writeStream(await parent.getFileHandle(name, { create: true }), data, false);
    },
    async append(path, text) {
      const { parent, name } = await makeParent(path);
      await writeStream(await parent.getFileHandle(name, { create: true }), text, true);
    },
    async list(path) {
      const d = await folder(top, [...base, ...segments(path)], false).catch((e) => {
        if (missing(e)) return null;
        throw e;
      });
      if (!d) return [];
      const names: string[] = [];
      for await (const name of (d as Dir & { keys(): AsyncIterable<string> }).keys()) names.push(name);
      return names;
    },
    async rename(from, to) {
      const src = await parentOf(from);
      const handle = src.parent && (await entry(src.parent, src.name));
      if (!src.parent || !handle) throw new Error(`${location}/${from}: cannot rename, it does not exist`);
      const dst = await makeParent(to);
      await dst.parent.removeEntry(dst.name, { recursive: true }).catch((e) => {
        if (!missing(e)) throw e;
      });
      const move = (handle as Movable).move;
      if (typeof move === 'function') {
        try {
          await move.call(handle, dst.parent, dst.name);
          return;
        } catch (e) {
          if (!(e instanceof DOMException && e.name === 'NotSupportedError')) throw e;
        }
      }
      await copy(handle, dst.parent, dst.name);
      await src.parent.removeEntry(src.name, { recursive: true });
    },
    async remove(path) {
      const { parent, name } = await parentOf(path);
      await parent?.removeEntry(name, { recursive: true }).catch((e) => {
        if (!missing(e)) throw e;
      });
    },
  };
}
