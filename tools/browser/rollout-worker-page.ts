// Runs in a browser tab (bundled by tools/test/browser-worker.test.ts): a rollout worker that joins
// a NATS server over its WebSocket listener and serves jobs with the wasm backend, the model's
// files handed over by the test. Returns what it did and its log lines.
import { wsconnect } from '@nats-io/nats-core';
import { serveJobs, type WorkerSummary } from '@agon/distributed';
import { blobFiles } from '@agon/models';
import { initBackend } from '@agon/tensor';

export interface TabWorkerResult {
  summary: WorkerSummary;
  log: string[];
  backend: string;
}

/** Serves `maxJobs` jobs from `server` (ws://…); `files` are the model's files, base64 by name. */
async function serve(server: string, wasmPaths: string, files: Record<string, string>, maxJobs: number): Promise<TabWorkerResult> {
  const info = await initBackend({ backend: 'wasm', wasmPaths });
  const modelFiles = blobFiles(Object.entries(files).map(([name, b64]) => [name, new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))])] as const));
  const log: string[] = [];
  const nc = await wsconnect({ servers: server, name: 'agon worker tab' });
  try {
    const summary = await serveJobs(nc, { name: 'tab', maxJobs, log: (l) => void log.push(l), pieces: () => ({ modelFiles }) });
    return { summary, log, backend: info.backend };
  } finally {
    await nc.close();
  }
}

Object.assign(globalThis, { agonTabWorker: { serve } });
