// Shared set-up of the distributed tests: a nats-server per test file, run folders compared
// without their timing fields. Temp folders and the quiet progress sink are the trainer tests'.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startNatsServer, type TestNatsServer } from '@agon/distributed/testing';
import { initBackend } from '@agon/tensor';
import { readMetrics, nodeRunIO } from '@agon/trainer';
export { captureProgress, tempDir } from '../../trainer/test/helpers.js';

/** Starts the wasm backend and a nats-server before the file's tests, stops it after; read `.server` in tests. */
export function natsServerForSuite(): { server: TestNatsServer } {
  const suite = {} as { server: TestNatsServer };
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    suite.server = await startNatsServer();
  });
  afterAll(async () => {
    await suite.server?.stop();
  });
  return suite;
}

/** metrics.jsonl without the timing fields (seconds, memory). */
export async function metricsWithoutTime(dir: string): Promise<{ step: number; metrics: Record<string, number | null> }[]> {
  return (await readMetrics(nodeRunIO(dir))).map(({ step, metrics }) => ({ step, metrics }));
}

/** metrics.jsonl's lines as written, less the timing fields (`seconds`, `memory/…`), key order kept. */
export async function metricLinesWithoutTime(dir: string): Promise<string[]> {
  const text = await readFile(join(dir, 'metrics.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const o = JSON.parse(line) as Record<string, unknown>;
      for (const k of Object.keys(o)) if (k === 'seconds' || k.startsWith('memory')) delete o[k];
      return JSON.stringify(o);
    });
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
