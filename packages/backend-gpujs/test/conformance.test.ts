// @agon/tensor's conformance suite (forward values against float64 references, gradients against
// finite differences: matMul, batched matMul, softmax, logSoftmax, gather, RMSNorm, SiLU MLP, GQA
// attention, the fused log-prob helpers) run on gpujs. The suite declares its cases once per
// backend in AGON_BACKENDS through describeEachBackend, so this file registers the gpujs provider,
// narrows the list to it and loads the suite's files. Under CI a gpujs that cannot start (in the
// required mode: headlessgl) fails the suite instead of skipping it.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from '@jest/globals';
import { registerGpujsProvider } from '../src/index.js';
import { requiredMode } from './helpers.js';

const suiteDir = fileURLToPath(new URL('../../tensor/test/conformance/', import.meta.url));
const files = readdirSync(suiteDir).filter((f) => f.endsWith('.test.ts')).sort();

it('finds the tensor conformance suite', () => {
  // If the suite moves, this fails rather than letting gpujs go untested.
  expect(files.length).toBeGreaterThanOrEqual(3);
});

registerGpujsProvider({ mode: requiredMode() });
const previous = process.env.AGON_BACKENDS;
process.env.AGON_BACKENDS = 'gpujs';
try {
  for (const f of files) await import(`../../tensor/test/conformance/${f}`);
} finally {
  if (previous === undefined) delete process.env.AGON_BACKENDS;
  else process.env.AGON_BACKENDS = previous;
}
