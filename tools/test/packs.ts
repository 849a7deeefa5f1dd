// The workspace's packages as npm would publish them: `npm pack` of each built package, and the
// @agon packages each one needs. Shared by the pack test and the examples test.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The fields of a package.json the packaging tests read. */
export interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  exports: Record<string, { types: string; default: string } | string>;
  files: string[];
  private?: boolean;
}

/** Every published workspace package (not the private ones, e.g. the playground page): its folder and its manifest. */
export const packages = readdirSync(path.join(root, 'packages'))
  .map((dir) => {
    const manifest = JSON.parse(readFileSync(path.join(root, 'packages', dir, 'package.json'), 'utf8')) as Manifest;
    return { dir: path.join(root, 'packages', dir), manifest };
  })
  .filter((p) => !p.manifest.private);

/** The workspace packages by name. */
export const byName = new Map(packages.map((p) => [p.manifest.name, p]));

/** The package and every @agon package it needs, transitively. */
export function closure(name: string, seen = new Set<string>()): Set<string> {
  seen.add(name);
  for (const dep of Object.keys(byName.get(name)!.manifest.dependencies ?? {})) {
    if (dep.startsWith('@agon/') && !seen.has(dep)) closure(dep, seen);
  }
  return seen;
}

/** A packed package: the tarball's path and the files it holds. */
export interface Packed {
  tarball: string;
  files: string[];
}

/**
 * `npm pack` of each named package (default: all) into `dest`, from its built dist/ (nx builds
 * before the tools tests run).
 */
export function packAll(dest: string, names: Iterable<string> = byName.keys()): Map<string, Packed> {
  mkdirSync(dest, { recursive: true });
  const packed = new Map<string, Packed>();
  for (const name of names) {
    const { dir } = byName.get(name)!;
    if (!existsSync(path.join(dir, 'dist', 'index.js'))) {
      throw new Error(`${name}: dist/ is missing; run 'npx nx run-many -t build' (nx runs it before this test)`);
    }
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dest], { cwd: dir, encoding: 'utf8' });
    const [info] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
    packed.set(name, { tarball: path.join(dest, info!.filename), files: info!.files.map((f) => f.path) });
  }
  return packed;
}
