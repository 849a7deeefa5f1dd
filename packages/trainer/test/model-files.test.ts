// The model of a run from its files instead of a path (what a browser has): the embedded default
// model as Blobs, as a browser page holds it, trains exactly as `model: "default"` read from disk —
// same metrics, samples and exported model folder, byte for byte — and DEFAULT_MODEL_FILES names
// every file a page must serve for it.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { blobFiles } from '@agon/models';
import { initBackend } from '@agon/tensor';
import { DEFAULT_MODEL, DEFAULT_MODEL_FILES, memoryRunIO, readMetrics, readSamples, train, type RunIO } from '@agon/trainer';
import { captureProgress } from './helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

it('DEFAULT_MODEL_FILES are the default model folder’s files (less its README)', async () => {
  expect([...DEFAULT_MODEL_FILES].sort()).toEqual((await readdir(DEFAULT_MODEL)).filter((n) => n !== 'README.md').sort());
});

const CONFIG = { model: 'default', steps: 2, queriesPerStep: 2, answersPerQuery: 2, eval: null, checkpointEvery: 0, seed: 3 };

/** The run folder without wall-clock seconds and memory (the fields that differ between identical runs). */
async function runFolder(io: RunIO) {
  const files: Record<string, string> = {};
  for (const name of await io.list('model')) files[name] = Buffer.from((await io.read(`model/${name}`))!).toString('base64');
  return {
    metrics: (await readMetrics(io)).map((l) => ({ step: l.step, metrics: l.metrics })),
    samples: await readSamples(io),
    model: files,
  };
}

it('a run from the default model’s files equals one from its path, exported model included', async () => {
  const fromPath = memoryRunIO();
  await train(CONFIG, { io: fromPath, progress: captureProgress() });
  const blobs = await Promise.all(DEFAULT_MODEL_FILES.map(async (n) => [n, new Blob([await readFile(join(DEFAULT_MODEL, n))])] as const));
  const fromFiles = memoryRunIO();
  await train(CONFIG, { io: fromFiles, modelFiles: blobFiles(blobs, 'default-model'), progress: captureProgress() });
  const [a, b] = [await runFolder(fromPath), await runFolder(fromFiles)];
  expect(a.metrics).toHaveLength(2);
  expect(Object.keys(a.model).sort()).toEqual(['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
  expect(b).toEqual(a);
}, 300_000);
