// Runs in a browser tab (bundled by tools/test/browser-train.test.ts): starts the training worker
// (/worker.js, tools/browser/train-worker.ts) and hands its reply to the test. Plain data only. The
// page also holds a folder picker (<input type="file" webkitdirectory id="pick">) whose files the
// worker loads a model from.
import type { MetricsLine, TrainResult } from '@agon/trainer';
import type { SampleRow } from '@agon/core';

/** Page → worker: the config to train, on which backend, with which run IO, and where things are served. */
export interface TrainRequest {
  config: Record<string, unknown>;
  backend: 'wasm' | 'webgpu';
  /** wasm: agon's kernel threads and their size threshold (initBackend's `threads`, `threadMinFlops`). */
  threads?: number;
  threadMinFlops?: number;
  io: 'memory' | 'opfs';
  wasmUrl: string;
  modelUrl: string;
}

/** Page → worker: load the model from the picked `files` and from `modelUrl`, and compare. */
export interface LoadRequest {
  files: File[];
  wasmUrl: string;
  modelUrl: string;
}

/** Worker → page: what loading from the picked files gave, beside loading from the URL. */
export type LoadReply =
  | {
      location: string;
      names: string[];
      /** Logits of one prompt, bit for bit, and the tokenizer's ids for it. */
      sameLogits: boolean;
      sameIds: boolean;
      /** tokenizerFiles of both sources equal. */
      sameTokenizerFiles: boolean;
      logitCount: number;
    }
  | { error: string };

/** Worker → page: the run folder's logs and summary, or the error. */
export type TrainReply =
  | {
      backend: string;
      reason: string;
      seconds: number;
      result: TrainResult;
      metrics: MetricsLine[];
      samples: SampleRow[];
      summary: unknown;
      modelSha256: string | null;
      log: string;
      tensors: number;
    }
  | { error: string };

/** Sends `req` to a fresh worker; resolves with its reply (the worker is ended after it). */
function ask<R>(req: TrainRequest | LoadRequest): Promise<R | { error: string }> {
  const worker = new Worker('/worker.js', { type: 'module' });
  return new Promise<R | { error: string }>((resolve) => {
    worker.onmessage = (e: MessageEvent<R>) => resolve(e.data);
    worker.onerror = (e) => resolve({ error: `the worker failed: ${e.message}` });
    worker.postMessage(req);
  }).finally(() => worker.terminate());
}

const pick = document.createElement('input');
pick.type = 'file';
pick.id = 'pick';
pick.webkitdirectory = true;
document.body.append(pick);

Object.assign(globalThis, {
  agonTrain: (req: TrainRequest) => ask<TrainReply>(req),
  agonLoadPicked: (req: Omit<LoadRequest, 'files'>) => ask<LoadReply>({ ...req, files: Array.from(pick.files ?? []) }),
});
