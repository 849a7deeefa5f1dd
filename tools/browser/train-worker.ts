// Runs in a Web Worker (bundled by tools/test/browser-train.test.ts): loads a model from Files a
// folder picker gave, beside the same model by URL; and the trainer's browser entry trains on the
// embedded default model served beside the page, with its run folder in memory or in
// the origin-private file system (progress lines go to the console as they come), and posts back the run folder's logs, summary and a SHA-256 of
// the exported weights. The page's thread runs no tensor op.
import * as tf from '@tensorflow/tfjs-core';
import { blobFiles, loadModel, tokenizerFiles, type LoadedModel } from '@agon/models';
import { initBackend } from '@agon/tensor';
import { defaultModelFiles, memoryRunIO, opfsRunIO, readMetrics, readSamples, train } from '@agon/trainer';
import type { LoadReply, LoadRequest, TrainReply, TrainRequest } from './train-page.js';

const scope = self as unknown as { postMessage(m: TrainReply | LoadReply): void; onmessage: ((e: MessageEvent<TrainRequest | LoadRequest>) => void) | null };

async function logits(m: LoadedModel, ids: number[]): Promise<Float32Array> {
  const input = tf.tensor2d([ids], undefined, 'int32');
  const { logits: out } = m.model.forward(input);
  const data = (await out.data()) as Float32Array;
  tf.dispose([input, out]);
  return data;
}

async function load(req: LoadRequest): Promise<LoadReply> {
  await initBackend({ backend: 'wasm', wasmPaths: req.wasmUrl });
  const picked = blobFiles(req.files);
  const served = defaultModelFiles(req.modelUrl);
  const [a, b] = [await loadModel(picked), await loadModel(served)];
  try {
    const ids = b.tokenizer.encode('12 + 30 = 42', { bos: true });
    const [la, lb] = [await logits(a, ids), await logits(b, ids)];
    return {
      location: picked.location,
      names: (await picked.list()).sort(),
      sameIds: JSON.stringify(a.tokenizer.encode('12 + 30 = 42', { bos: true })) === JSON.stringify(ids),
      sameLogits: la.length === lb.length && la.every((x, i) => Object.is(x, lb[i])),
      sameTokenizerFiles: JSON.stringify(await tokenizerFiles(picked)) === JSON.stringify(await tokenizerFiles(served)),
      logitCount: la.length,
    };
  } finally {
    a.model.dispose();
    b.model.dispose();
  }
}

async function run(req: TrainRequest): Promise<TrainReply> {
  const started = await initBackend({ backend: req.backend, wasmPaths: req.wasmUrl, threads: req.threads, threadMinFlops: req.threadMinFlops });
  const io = req.io === 'opfs' ? await opfsRunIO(`determinism/${req.backend}`) : memoryRunIO();
  const log: string[] = [];
  const t0 = performance.now();
  const result = await train({ ...req.config, backend: req.backend }, { io, modelFiles: defaultModelFiles(req.modelUrl), progress: { write: (s) => (log.push(s), console.info(s.trimEnd())), isTTY: false } });
  const weights = await io.read('model/model.safetensors');
  const sha256 = weights ? [...new Uint8Array(await crypto.subtle.digest('SHA-256', weights as Uint8Array<ArrayBuffer>))].map((b) => b.toString(16).padStart(2, '0')).join('') : null;
  return {
    backend: tf.getBackend(),
    reason: started.reason,
    seconds: (performance.now() - t0) / 1000,
    result,
    metrics: await readMetrics(io),
    samples: await readSamples(io),
    summary: JSON.parse(new TextDecoder().decode((await io.read('summary.json')) ?? new TextEncoder().encode('null'))) as unknown,
    modelSha256: sha256,
    log: log.join(''),
    tensors: tf.memory().numTensors,
  };
}

scope.onmessage = (e) => {
  ('files' in e.data ? load(e.data) : run(e.data)).then(
    (reply) => scope.postMessage(reply),
    (err: unknown) => scope.postMessage({ error: String((err as Error)?.stack ?? err) }),
  );
};
