/**
 * The training worker: selects the backend, loads the policy and runs `train()` with its run
 * folder in the origin-private file system, posting every step to the page. The page's UI thread
 * never runs a tensor op.
 */
import type { MetricsSink } from '@agon/core';
import { initBackend } from '@agon/tensor';
import { opfsRunIO, train } from '@agon/trainer';
import { modelFiles } from './model-files.js';
import { tokensOf, type FromWorker, type ToWorker } from './protocol.js';
import { RUN_DIR } from './run-folder.js';

const scope = self as unknown as { postMessage(m: FromWorker): void; onmessage: ((e: MessageEvent<ToWorker>) => void) | null; location: Location };
const post = (m: FromWorker) => scope.postMessage(m);
let controller: AbortController | null = null;

async function run(msg: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  controller = new AbortController();
  const base = new URL('./', scope.location.href).href;
  const info = await initBackend({ backend: msg.backend, wasmPaths: new URL('wasm/', base).href });
  post({ type: 'backend', backend: info.backend, reason: info.reason });
  const model = await modelFiles(msg.model, base);
  let last = performance.now();
  const sink: MetricsSink = {
    write(step, metrics, samples = []) {
      const now = performance.now();
      post({ type: 'step', report: { step, metrics, samples: [...samples], seconds: (now - last) / 1000, tokens: tokensOf(metrics, samples) } });
      last = now;
    },
    close: async () => undefined,
  };
  const recipe = { ...(msg.recipe as object), model: model.name, backend: info.backend };
  // The backend started above (wasm paths and all) is the one the trainer's own start reselects.
  const result = await train(msg.resume ? (msg.recipe as object) : recipe, {
    io: await opfsRunIO(RUN_DIR),
    resume: msg.resume,
    modelFiles: model.files,
    signal: controller.signal,
    progress: { write: (text) => post({ type: 'log', text }), isTTY: false },
    metrics: sink,
    configSource: 'recipe',
  });
  post({ type: 'done', stopped: result.stopped, steps: result.steps, ...(result.eval ? { eval: result.eval } : {}) });
}

scope.onmessage = (e) => {
  const msg = e.data;
  if (msg.type === 'stop') {
    controller?.abort();
    return;
  }
  run(msg).catch((err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
};
