// The RunIO contract on Node's file system and in memory (the OPFS one runs in headless Chromium:
// tools/test/browser-run-io.test.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryRunIO, nodeRunIO, readMetrics } from '@agon/trainer';
import { runIOContract } from '@agon/trainer/testing';

describe.each([
  ['nodeRunIO', async () => nodeRunIO(join(await mkdtemp(join(tmpdir(), 'agon-runio-')), 'run'))],
  ['memoryRunIO', async () => memoryRunIO()],
])('%s', (_name, make) => {
  it.each(runIOContract)('%s', async (_check, run) => {
    const io = await make();
    try {
      await run(io);
    } finally {
      if (!io.location.startsWith('memory:')) await rm(join(io.location, '..'), { recursive: true, force: true });
    }
  });
});

it('memoryRunIO serves the trainer’s readers', async () => {
  const io = memoryRunIO('memory:runs/a');
  await io.append('metrics.jsonl', '{"step":1,"seconds":0.5}\n');
  expect((await readMetrics(io)).map((m) => m.step)).toEqual([1]);
});
