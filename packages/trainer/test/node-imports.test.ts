// The trainer's core runs in browsers too: only recipes (a Node-only entry) import Node's modules
// statically; the Node run IO, plug-in modules by path and model paths import them when first used
// (importNodeBuiltin), and everything else reaches storage through RunIO. tools/test/browser-bundle
// proves the result: a browser bundle of the trainer that reaches no Node module.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../src', import.meta.url));
const ALLOWED = new Set(['recipe.ts']);

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...(await files(join(dir, e.name))));
    else if (e.name.endsWith('.ts')) out.push(join(dir, e.name));
  }
  return out;
}

it('imports node: modules (other than as types) only in recipes', async () => {
  const offenders: string[] = [];
  for (const f of await files(SRC)) {
    const rel = relative(SRC, f).split('\\').join('/');
    if (/from 'node:|(?<!typeof )import\('node:/.test(await readFile(f, 'utf8')) && !ALLOWED.has(rel)) offenders.push(rel);
  }
  expect(offenders).toEqual([]);
  expect((await files(SRC)).length).toBeGreaterThan(20); // the scan saw the sources
});

it('keeps every trainer source file under 300 lines', async () => {
  const long: string[] = [];
  for (const f of await files(SRC)) if ((await readFile(f, 'utf8')).split('\n').length > 300) long.push(relative(SRC, f));
  expect(long).toEqual([]);
});
