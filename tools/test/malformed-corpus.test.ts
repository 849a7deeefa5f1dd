// Every case of tools/malformed-corpus.mjs through the real `agon` entry point (main(), in this
// process): 0 crashes (an exception escaping main, i.e. a stack trace and exit 70), 0 hangs (a case
// over its time limit), 0 silent acceptances (exit 0 where the input cannot run correctly).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { main, type CliIO } from '@agon/cli';
import { initBackend } from '@agon/tensor';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Case {
  name: string;
  args: string[];
  error?: string;
  errorOrSame?: string;
  reference?: string[];
}

interface Outcome {
  code: number | 'crash';
  out: string[];
  err: string[];
  ms: number;
}

async function run(args: string[]): Promise<Outcome> {
  const out: string[] = [];
  const err: string[] = [];
  // The line naming the backend is not an error line.
  const io: CliIO = { out: (l) => void out.push(l), err: (l) => void (/^agon \w+: backend /.test(l) || err.push(l)) };
  const t0 = performance.now();
  let code: number | 'crash';
  try {
    code = await main(args, io);
  } catch (e) {
    code = 'crash';
    err.push(String((e as Error)?.stack ?? e));
  }
  return { code, out, err, ms: performance.now() - t0 };
}

const HANG_MS = 20_000;

describe('malformed corpus', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'agon-corpus-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // The cases start their own backend (cpu); one is needed first only to count tensors.
  beforeAll(() => initBackend({ backend: 'cpu' }));

  it('every case is one clear error line (or, for a harmless fuzz, the unchanged output); nothing crashes, hangs or leaks', async () => {
    execFileSync(process.execPath, [path.join(root, 'tools/malformed-corpus.mjs'), dir], { stdio: 'pipe' });
    const cases = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Case[];
    const references = new Map<string, string[]>();
    const failures: string[] = [];
    const tally = { cases: cases.length, errors: 0, harmless: 0, crashes: 0, hangs: 0, silent: 0, unclear: 0 };
    const before = tf.memory().numTensors;
    for (const c of cases) {
      const r = await run(c.args);
      if (r.ms > HANG_MS) {
        tally.hangs++;
        failures.push(`${c.name}: took ${(r.ms / 1000).toFixed(1)} s`);
      }
      if (r.code === 'crash') {
        tally.crashes++;
        failures.push(`${c.name}: crashed: ${r.err[0]?.split('\n').slice(0, 2).join(' | ')}`);
        continue;
      }
      const pattern = new RegExp(c.error ?? c.errorOrSame!);
      if (r.code === 1 && r.err.length === 1 && pattern.test(r.err[0])) {
        tally.errors++;
        continue;
      }
      if (r.code === 0 && c.errorOrSame !== undefined && c.reference) {
        const key = c.reference.join(' ');
        if (!references.has(key)) references.set(key, (await run(c.reference)).out);
        if (JSON.stringify(r.out) === JSON.stringify(references.get(key))) {
          tally.harmless++;
          continue;
        }
      }
      if (r.code === 0) tally.silent++;
      else tally.unclear++;
      failures.push(`${c.name}: exit ${r.code}, stderr ${JSON.stringify(r.err)}, expected /${pattern.source}/`);
    }
    expect(tf.memory().numTensors).toBe(before);
    console.log(`malformed corpus: ${JSON.stringify(tally)}`);
    expect(failures).toEqual([]);
  }, 900_000);
});
