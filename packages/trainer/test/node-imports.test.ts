// The trainer's core runs in browsers too: only the Node run IO, recipes and their plug-in modules, and model-path
// resolution may import Node's modules; everything else reaches storage through RunIO.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../src', import.meta.url));
const ALLOWED = new Set(['io/node-run-io.ts', 'recipe.ts', 'plugins.ts', 'model-path.ts']);

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...(await files(join(dir, e.name))));
    else if (e.name.endsWith('.ts')) out.push(join(dir, e.name));
  }
  return out;
}

it('imports node: modules only in the Node run IO, recipes and model paths', async () => {
  const offenders: string[] = [];
  for (const f of await files(SRC)) {
    const rel = relative(SRC, f).split('\\').join('/');
    if (/from 'node:|import\('node:/.test(await readFile(f, 'utf8')) && !ALLOWED.has(rel)) offenders.push(rel);
  }
  expect(offenders).toEqual([]);
  expect((await files(SRC)).length).toBeGreaterThan(20); // the scan saw the sources
});

it('keeps every trainer source file under 300 lines', async () => {
  const long: string[] = [];
  for (const f of await files(SRC)) if ((await readFile(f, 'utf8')).split('\n').length > 300) long.push(relative(SRC, f));
  expect(long).toEqual([]);
});
