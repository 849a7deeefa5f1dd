// Shared by the scale-out tests: whether nats-server is here, and what of a run folder must equal
// the single-process run (metrics less timing and rollouts/* fields, samples, exported weights).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { natsServerBinary } from '@agon/distributed/testing';
import { nodeRunIO, readMetrics } from '@agon/trainer';

/** Why nats-server cannot run here, or undefined. Outside CI its tests skip saying this; under CI they fail. */
export const natsMissing: string | undefined = (() => {
  try {
    natsServerBinary();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
})();

/** The parts of a run folder a distributed run must share with the single-process run. */
export async function runFingerprint(dir: string): Promise<{ metrics: unknown; samples: string; model: string }> {
  const metrics = (await readMetrics(nodeRunIO(dir))).map(({ step, metrics: m }) => ({ step, metrics: Object.fromEntries(Object.entries(m).filter(([k]) => !k.startsWith('rollouts/'))) }));
  return {
    metrics,
    samples: await readFile(path.join(dir, 'samples.jsonl'), 'utf8'),
    model: (await readFile(path.join(dir, 'model', 'model.safetensors'))).toString('base64'),
  };
}
