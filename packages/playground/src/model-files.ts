/**
 * The policy's files in the worker: the embedded default model served beside the page, or the
 * files the user picked. Picked files are copied into the origin-private file system first, so a
 * run started from them can resume after the page reloads (a `File` does not survive one).
 */
import { blobFiles, type ModelFiles } from '@agon/models';
import { defaultModelFiles, opfsRunIO } from '@agon/trainer';
import type { ModelChoice } from './protocol.js';

/** Where picked files are kept, under the origin-private file system. */
const SAVED = 'playground/model';
const INDEX = 'files.json';

/** Where the build puts the default model's files, relative to the page. */
export const DEFAULT_MODEL_DIR = 'model/default/';

/**
 * The files of `choice` and the name config.json records as `model`. Picked files are stored in
 * OPFS (replacing the previous ones); a resumed run's files (`files: []`) are read back from there.
 */
export async function modelFiles(choice: ModelChoice, baseUrl: string): Promise<{ name: string; files: ModelFiles }> {
  if (choice.kind === 'default') return { name: 'default', files: defaultModelFiles(new URL(DEFAULT_MODEL_DIR, baseUrl)) };
  const io = await opfsRunIO(SAVED);
  const entries: [string, Blob][] = [];
  if (choice.files.length === 0) {
    const index = await io.read(INDEX);
    if (!index) throw new Error(`opfs:${SAVED}: the picked model of this run is no longer stored; start a new run`);
    const { name, paths } = JSON.parse(new TextDecoder().decode(index)) as { name: string; paths: string[] };
    if (name !== choice.name) throw new Error(`opfs:${SAVED}: holds ${name}, not ${choice.name}; start a new run`);
    for (const p of paths) {
      const bytes = await io.read(`files/${p}`);
      if (!bytes) throw new Error(`opfs:${SAVED}/files/${p}: missing; start a new run`);
      entries.push([p, new Blob([bytes as BlobPart])]);
    }
  } else {
    await io.remove('files');
    for (const { path, file } of choice.files) {
      await io.writeAtomic(`files/${path}`, new Uint8Array(await file.arrayBuffer()));
      entries.push([path, file]);
    }
    await io.writeAtomic(INDEX, JSON.stringify({ name: choice.name, paths: choice.files.map((f) => f.path) }));
  }
  return { name: choice.name, files: blobFiles(entries, choice.name) };
}
