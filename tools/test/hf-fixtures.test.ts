// The committed Hugging Face fixtures are what transformers and peft make today: tools/hf_fixtures.py
// re-run into a temporary folder gives the same files (safetensors byte for byte, JSON equal, the
// expected float64 values within 1e-9 relative). The models tests hold agon to those values.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { referencePython, TOOLS } from './reference-python.js';

const COMMITTED = fileURLToPath(new URL('../../packages/models/test/fixtures/', import.meta.url));
const python = referencePython('the fixture re-make check');

/** Equal JSON, numbers within `rel` relative (to max(|x|, 1)); the path of the first difference otherwise. */
function jsonDiff(a: unknown, b: unknown, rel: number, at = '$'): string | undefined {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= rel * Math.max(Math.abs(b), 1) ? undefined : `${at}: ${a} ≠ ${b}`;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${at}: length ${a.length} ≠ ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = jsonDiff(a[i], b[i], rel, `${at}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    if (ka.join() !== kb.join()) return `${at}: keys ${ka.join(',')} ≠ ${kb.join(',')}`;
    for (const k of ka) {
      const d = jsonDiff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], rel, `${at}.${k}`);
      if (d) return d;
    }
    return undefined;
  }
  return a === b ? undefined : `${at}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`;
}

function files(dir: string, sub = ''): string[] {
  return readdirSync(join(dir, sub)).flatMap((f) => (statSync(join(dir, sub, f)).isDirectory() ? files(dir, join(sub, f)) : [join(sub, f)]));
}

(python ? describe : describe.skip)('tools/hf_fixtures.py', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'agon-fixtures-'));
    const r = spawnSync(python ?? '', [`${TOOLS}hf_fixtures.py`, '--out', out], { encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) throw new Error(`tools/hf_fixtures.py failed: ${r.stderr.slice(-2000)}`);
  }, 320_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('re-makes every committed fixture file (and nothing else)', () => {
    const made = files(out).sort();
    const committed = files(COMMITTED).filter((f) => !f.startsWith('reference/') && f !== 'expected.ts').sort();
    expect(made).toEqual(committed);
    for (const f of made) {
      const mine = readFileSync(join(out, f));
      const theirs = readFileSync(join(COMMITTED, f));
      if (f.endsWith('.json')) {
        expect({ f, diff: jsonDiff(JSON.parse(mine.toString('utf8')), JSON.parse(theirs.toString('utf8')), 1e-9) }).toEqual({ f, diff: undefined });
      } else {
        expect({ f, same: mine.equals(theirs) }).toEqual({ f, same: true });
      }
    }
  });
});
