// packages/objectives/test/golden/trl-grpo.json is what TRL computes today: tools/trl_grpo.py re-run
// with the venv's trl gives the same advantages, loss and gradient (within 1e-12; the script is
// seeded and runs in float64). The objectives test holds agon to that golden.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { referencePython, TOOLS } from './reference-python.js';

const GOLDEN = fileURLToPath(new URL('../../packages/objectives/test/golden/trl-grpo.json', import.meta.url));
const python = referencePython('the TRL golden re-run');

function maxDiff(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length ? Math.max(0, ...a.map((x, i) => maxDiff(x, b[i]))) : Infinity;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = Object.keys(a);
    if (keys.sort().join() !== Object.keys(b).sort().join()) return Infinity;
    return Math.max(0, ...keys.map((k) => maxDiff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])));
  }
  return a === b ? 0 : Infinity;
}

(python ? it : it.skip)('tools/trl_grpo.py reproduces the committed golden with the installed trl', () => {
  const r = spawnSync(python ?? '', [`${TOOLS}trl_grpo.py`, '--out', '-'], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`tools/trl_grpo.py failed: ${r.stderr.slice(-2000)}`);
  const fresh = JSON.parse(r.stdout) as { trl: string };
  const committed = JSON.parse(readFileSync(GOLDEN, 'utf8')) as { trl: string };
  expect(fresh.trl).toBe(committed.trl);
  expect(maxDiff(fresh, committed)).toBeLessThan(1e-12);
}, 320_000);
