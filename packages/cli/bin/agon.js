#!/usr/bin/env node
// The `agon` executable that npm links at install time. It exists before any build (npm links
// bins during `npm ci`, when dist/ is not there yet) and runs the compiled CLI, dist/bin.js. In a
// clone of the agon repository where dist/ is still missing, it builds the CLI first.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(pkg, 'dist', 'bin.js');

if (!existsSync(built)) {
  const root = join(pkg, '..', '..');
  if (!existsSync(join(root, 'nx.json'))) {
    process.stderr.write(`agon: ${built} is missing; this copy of @agon/cli was installed without its build output\n`);
    process.exit(1);
  }
  process.stderr.write('agon: building the CLI first (npx nx run @agon/cli:build), once\n');
  const r = spawnSync('npx', ['nx', 'run', '@agon/cli:build', '--outputStyle=static'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { NX_DAEMON: 'false', ...process.env },
  });
  if (r.status !== 0 || !existsSync(built)) {
    process.stderr.write(`agon: the build failed (${r.error ? r.error.message : `exit ${r.status}`}); run 'npm run build' in ${root} to see why\n`);
    process.exit(1);
  }
}

await import(new URL('../dist/bin.js', import.meta.url).href);
