/**
 * Choosing the policy: the embedded default model, a Hugging Face folder or a llama2.c `.bin`
 * (with its tokenizer) from disk, by folder picker, file picker or drag and drop. Paths are kept
 * relative to the folder picked (`config.json`, `onnx/x.bin`); the folder's name names the model.
 */
import { isLlama2cTokenizer } from '@agon/models';
import type { ModelChoice } from './protocol.js';

type Picked = { path: string; file: Blob }[];

/** The files under a dropped folder (FileSystemEntry API, which every current browser has for drops), paths under `prefix`. */
async function folderFiles(dir: FileSystemDirectoryEntry, prefix: string, out: Picked): Promise<void> {
  const reader = dir.createReader();
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((ok, fail) => reader.readEntries(ok, fail));
    if (!batch.length) break;
    for (const child of batch) {
      const path = prefix ? `${prefix}/${child.name}` : child.name;
      if (child.isFile) out.push({ path, file: await new Promise<File>((ok, fail) => (child as FileSystemFileEntry).file(ok, fail)) });
      else await folderFiles(child as FileSystemDirectoryEntry, path, out);
    }
  }
}

/** A choice from loose files: one folder name for all, the file names under it. */
function fromFiles(files: readonly File[]): ModelChoice {
  const rel = files.map((f) => (f as File & { webkitRelativePath?: string }).webkitRelativePath || '');
  if (rel.every((r) => r.includes('/'))) {
    const name = rel[0].split('/')[0];
    return { kind: 'files', name, files: files.map((file, i) => ({ path: rel[i].slice(rel[i].indexOf('/') + 1), file })) };
  }
  const bin = files.find((f) => f.name.endsWith('.bin') && !isLlama2cTokenizer(f.name));
  const name = (bin?.name ?? 'model').replace(/\.bin$/, '');
  return { kind: 'files', name, files: files.map((file) => ({ path: file.name, file })) };
}

/** What a drop holds: one folder, or loose files. */
export async function fromDrop(data: DataTransfer): Promise<ModelChoice | null> {
  const entries = [...data.items].map((i) => i.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => !!e);
  if (entries.length === 1 && entries[0].isDirectory) {
    const out: Picked = [];
    const dir = entries[0] as FileSystemDirectoryEntry;
    await folderFiles(dir, '', out);
    return { kind: 'files', name: dir.name, files: out };
  }
  const files = [...data.files];
  return files.length ? fromFiles(files) : null;
}

/** What a file input (folder or files) holds. */
export function fromInput(input: HTMLInputElement): ModelChoice | null {
  const files = [...(input.files ?? [])];
  return files.length ? fromFiles(files) : null;
}

/** A choice in words, for the page. */
export function describe(choice: ModelChoice): string {
  if (choice.kind === 'default') return 'the embedded default model (a 2-layer Llama, 160K parameters, pretrained on 2-digit addition)';
  const bytes = choice.files.reduce((n, f) => n + f.file.size, 0);
  return `${choice.name} (${choice.files.length} files, ${(bytes / 2 ** 20).toFixed(1)} MB)`;
}
