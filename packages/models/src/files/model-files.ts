/**
 * A model's files wherever they are: a local folder (Node), `File`s and `Blob`s (a folder picked in
 * a browser, files dropped on a page) or a folder served over HTTP. {@link loadModel} and
 * {@link tokenizerFiles} read a Hugging Face folder or a llama2.c checkpoint from any of them.
 */
import type { FolderIO } from '../hf/folder.js';
import { nodeFs } from './node-fs.js';
import { baseName, joinPath } from './path.js';

/**
 * The files of one model folder, by name (relative to the folder, `/`-separated).
 *
 * @example
 * ```ts
 * const files: ModelFiles = blobFiles(input.files!); // <input type="file" webkitdirectory>
 * const { model, tokenizer } = await loadModel(files);
 * ```
 */
export interface ModelFiles {
  /** Where the files are, for messages and as the name adapters give their base (a folder path, a URL). */
  readonly location: string;
  /** The names of the files. */
  list(): Promise<string[]>;
  /** A file's bytes, or null when there is no such file. */
  read(name: string): Promise<Uint8Array | null>;
}

/**
 * Whether `name` (a file name or path) is a llama2.c tokenizer (`tokenizer.bin`, `tok512.bin`), not a checkpoint.
 *
 * @example
 * ```ts
 * isLlama2cTokenizer('models/tok512.bin'); // true
 * ```
 */
export function isLlama2cTokenizer(name: string): boolean {
  return /^tok(enizer|\d+)\.bin$/.test(baseName(name));
}

/** Node's error code of a failed file call. */
const code = (e: unknown): unknown => (e as { code?: unknown } | null)?.code;

/**
 * The files of the local folder `dir` (Node only).
 *
 * @example
 * ```ts
 * const { model } = await loadModel(folderFiles('models/SmolLM2-135M'));
 * ```
 */
export function folderFiles(dir: string): ModelFiles {
  return {
    location: dir,
    async list() {
      const { readdir } = await nodeFs(dir);
      return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
    },
    async read(name) {
      const file = joinPath(dir, name);
      try {
        return new Uint8Array(await (await nodeFs(file)).readFile(file));
      } catch (e) {
        if (code(e) === 'ENOENT' || code(e) === 'EISDIR') return null;
        throw e;
      }
    },
  };
}

/**
 * Files given as `File`s — named by their path under the folder picked (`webkitRelativePath` less
 * the folder's own name) or else by their name — or as `[name, Blob]` pairs (files dropped as a
 * folder, whose paths the page walked). `location` names them in messages; by default the picked
 * folder's name, else `files`.
 *
 * @example
 * ```ts
 * // <input type="file" webkitdirectory> with a Hugging Face folder, or a llama2.c .bin + tokenizer
 * const { model } = await loadModel(blobFiles(input.files!));
 * ```
 */
export function blobFiles(files: Iterable<File | readonly [string, Blob]>, location?: string): ModelFiles {
  const byName = new Map<string, Blob>();
  let folder: string | undefined;
  for (const f of files) {
    let name: string;
    let blob: Blob;
    if (Array.isArray(f)) {
      [name, blob] = f as readonly [string, Blob];
    } else {
      const file = f as File;
      const rel = file.webkitRelativePath ?? '';
      const slash = rel.indexOf('/');
      if (slash > 0) folder ??= rel.slice(0, slash);
      name = slash > 0 ? rel.slice(slash + 1) : file.name;
      blob = file;
    }
    const key = joinPath(name);
    if (byName.has(key)) throw new Error(`${location ?? folder ?? 'files'}: two files named ${key}`);
    byName.set(key, blob);
  }
  return {
    location: location ?? folder ?? 'files',
    list: async () => [...byName.keys()],
    async read(name) {
      const blob = byName.get(joinPath(name));
      return blob ? new Uint8Array(await blob.arrayBuffer()) : null;
    },
  };
}

/**
 * The files `names` of a folder served at `base` (a URL, absolute or relative to the page or
 * worker; a trailing `/` is added), fetched when read. A server cannot be asked for a listing, so the names are given.
 *
 * @example
 * ```ts
 * const files = urlFiles(new URL('models/default/', location.href), ['config.json', 'model.safetensors', 'tokenizer.json']);
 * const { model } = await loadModel(files);
 * ```
 */
export function urlFiles(base: string | URL, names: readonly string[]): ModelFiles {
  const page = (globalThis as { location?: { href?: string } }).location?.href;
  const root = new URL(String(base).replace(/\/*$/, '/'), page);
  const known = new Set(names.map((n) => joinPath(n)));
  return {
    location: root.href.replace(/\/$/, ''),
    list: async () => [...known],
    async read(name) {
      if (!known.has(joinPath(name))) return null;
      const url = new URL(joinPath(name), root);
      let res: Response;
      try {
        res = await fetch(url);
      } catch (e) {
        throw new Error(`${url.href}: cannot fetch (${(e as Error).message})`);
      }
      if (res.status === 404) return null;
      if (!res.ok) throw new Error(`${url.href}: HTTP ${res.status} ${res.statusText}`);
      return new Uint8Array(await res.arrayBuffer());
    },
  };
}

/**
 * `files` as the path-based {@link FolderIO} the loaders use: paths under `dir` (the files'
 * location) map to names.
 *
 * @example
 * ```ts
 * const { dir, io } = modelFilesIO(files);
 * const hf = await readHfFolder(dir, io);
 * ```
 */
export function modelFilesIO(files: ModelFiles): { dir: string; io: FolderIO } {
  const dir = joinPath(files.location).replace(/\/+$/, '') || '.';
  const prefix = `${dir}/`;
  const nameOf = (path: string) => (path.startsWith(prefix) ? path.slice(prefix.length) : null);
  let names: Promise<string[]> | undefined;
  return {
    dir,
    io: {
      async exists(path) {
        const name = nameOf(path);
        return name !== null && (await (names ??= files.list())).includes(name);
      },
      async readFile(path) {
        const name = nameOf(path);
        const bytes = name === null ? null : await files.read(name);
        if (!bytes) throw new Error(`${path}: no such file in ${files.location}`);
        return bytes;
      },
    },
  };
}
