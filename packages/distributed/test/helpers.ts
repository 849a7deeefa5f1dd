// Shared set-up of the distributed tests: a run folder in the OS temp dir, a quiet progress sink,
// run folders compared without their timing fields.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMetrics, nodeRunIO } from '@agon/trainer';

/** A fresh temp folder; remove it with the returned function. */
export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `agon-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A progress sink that keeps the lines. */
export function captureProgress(): { write(s: string): void; isTTY: boolean; text(): string } {
  const parts: string[] = [];
  return { write: (s) => void parts.push(s), isTTY: false, text: () => parts.join('') };
}

/** metrics.jsonl without the timing fields (seconds, memory). */
export async function metricsWithoutTime(dir: string): Promise<{ step: number; metrics: Record<string, number | null> }[]> {
  return (await readMetrics(nodeRunIO(dir))).map(({ step, metrics }) => ({ step, metrics }));
}

/** Every file of a folder (recursively), by relative path. */
export async function folderFiles(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    out.set(path.slice(dir.length + 1), await readFile(path));
  }
  return out;
}
