// Runs in a browser tab (bundled by tools/test/browser-run-io.test.ts): the RunIO contract on the
// origin-private file system and in memory. Returns plain data for the test to assert on.
import { memoryRunIO, opfsRunIO } from '@agon/trainer';
import { runIOContract } from '@agon/trainer/testing';

export interface ContractResult {
  impl: string;
  check: string;
  error?: string;
}

async function runContract(): Promise<ContractResult[]> {
  const out: ContractResult[] = [];
  const root = await navigator.storage.getDirectory();
  for (const [i, [check, run]] of runIOContract.entries()) {
    for (const impl of ['opfsRunIO', 'memoryRunIO']) {
      const dir = `contract/${i}`;
      await root.removeEntry('contract', { recursive: true }).catch(() => undefined);
      try {
        await run(impl === 'opfsRunIO' ? await opfsRunIO(dir) : memoryRunIO());
        out.push({ impl, check });
      } catch (e) {
        out.push({ impl, check, error: String((e as Error).stack ?? e) });
      }
    }
  }
  await root.removeEntry('contract', { recursive: true }).catch(() => undefined);
  return out;
}

/** Writes a file into the OPFS run folder `dir`, or reads it back (after a reload). */
async function persist(dir: string, write: string | null): Promise<string | null> {
  const io = await opfsRunIO(dir);
  if (write !== null) await io.writeAtomic('checkpoints/step-000001/state.json', write);
  const bytes = await io.read('checkpoints/step-000001/state.json');
  return bytes && new TextDecoder().decode(bytes);
}

Object.assign(globalThis, { agonRunIO: { runContract, persist } });
