// The examples under examples/ are forks in miniature: each installs agon from the packed tarballs
// (its package.json names them in packs/ beside examples/, as `npm run packs` leaves them), trains
// from its own recipe with a module of its own, and has its own tests. Here each is copied beside
// freshly packed tarballs, installed with plain `npm install`, and its `npm test` must pass.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { byName, closure, packAll, root } from './packs.js';

const examples = readdirSync(path.join(root, 'examples'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
const work = mkdtempSync(path.join(tmpdir(), 'agon-examples-'));

const manifest = (name: string) =>
  JSON.parse(readFileSync(path.join(root, 'examples', name, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; overrides?: Record<string, string> };

/** The @agon packages an example installs: those it depends on and everything they need. */
const needs = (name: string) => new Set(Object.keys(manifest(name).dependencies ?? {}).filter((d) => d.startsWith('@agon/')).flatMap((d) => [...closure(d)]));

beforeAll(() => {
  packAll(path.join(work, 'packs'), new Set(examples.flatMap((name) => [...needs(name)])));
}, 300_000); // packing is a few seconds a package, more on a loaded machine

afterAll(() => rmSync(work, { recursive: true, force: true }));

it('has the two examples', () => {
  expect(examples.sort()).toEqual(['custom-game', 'custom-reward']);
});

describe.each(examples.map((e) => [e]))('examples/%s', (name) => {
  it('names a tarball for every @agon package it needs', () => {
    // One left out would be looked up in the npm registry.
    const { dependencies = {}, overrides = {} } = manifest(name);
    const named = Object.fromEntries(Object.entries({ ...dependencies, ...overrides }).filter(([n]) => n.startsWith('@agon/')));
    expect(Object.keys(named).sort()).toEqual([...needs(name)].sort());
    for (const [n, spec] of Object.entries(named)) expect(spec).toBe(`file:../../packs/agon-${n.slice('@agon/'.length)}-${byName.get(n)!.manifest.version}.tgz`);
  });

  it('installs agon from the tarballs alone and passes its own tests', () => {
    const dir = path.join(work, 'examples', name);
    const skip = new Set(['node_modules', 'runs', 'package-lock.json']);
    cpSync(path.join(root, 'examples', name), dir, { recursive: true, filter: (src) => !skip.has(path.basename(src)) });
    // --omit=optional: the Dawn binary for WebGPU is optional; the examples train on wasm.
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--omit=optional', '--ignore-scripts'], { cwd: dir, stdio: 'pipe' });
    // Every @agon package came from a tarball in packs/, none from a registry or the workspace.
    const lock = JSON.parse(readFileSync(path.join(dir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string }> };
    const agon = Object.entries(lock.packages).filter(([k]) => k.startsWith('node_modules/@agon/'));
    expect(agon.length).toBeGreaterThanOrEqual(7);
    for (const [k, v] of agon) expect([k, v.resolved]).toEqual([k, expect.stringMatching(/^file:\.\.\/\.\.\/packs\/agon-[a-z-]+-[\d.]+\.tgz$/)]);
    const out = execFileSync('npm', ['test'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
    expect(out).toMatch(/^# fail 0$/m);
    expect(out).not.toMatch(/^# pass 0$/m);
  }, 240_000);
});
