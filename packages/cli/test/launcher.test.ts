// bin/agon.js, the file npm links as `agon`: it must exist before any build (npm links bins at
// `npm ci` time) and hand over to dist/bin.js, or say what is missing.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';

const launcher = fileURLToPath(new URL('../bin/agon.js', import.meta.url));
const manifest = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as { bin: Record<string, string>; files: string[] };

function node(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }));
  });
}

describe('bin/agon.js', () => {
  let dir: string;
  beforeEach(async () => {
    // A package folder outside any workspace: <dir>/pkg/{bin,dist}, no nx.json two levels up.
    dir = await mkdtemp(join(tmpdir(), 'agon-launcher-'));
    await mkdir(join(dir, 'pkg', 'bin'), { recursive: true });
    await copyFile(launcher, join(dir, 'pkg', 'bin', 'agon.js'));
    await writeFile(join(dir, 'pkg', 'package.json'), '{"type":"module"}');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is the bin npm links, and ships in the package', () => {
    expect(manifest.bin).toEqual({ agon: './bin/agon.js' });
    expect(manifest.files).toContain('bin');
  });

  it('runs dist/bin.js with the arguments', async () => {
    await mkdir(join(dir, 'pkg', 'dist'));
    await writeFile(join(dir, 'pkg', 'dist', 'bin.js'), 'console.log(JSON.stringify(process.argv.slice(2)));');
    const r = await node(join(dir, 'pkg', 'bin', 'agon.js'), ['generate', '--seed', '3']);
    expect(r).toEqual({ code: 0, stdout: '["generate","--seed","3"]\n', stderr: '' });
  });

  it('outside the repository, names the missing build output in one line', async () => {
    const r = await node(join(dir, 'pkg', 'bin', 'agon.js'), ['help']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`agon: ${join(dir, 'pkg', 'dist', 'bin.js')} is missing; this copy of @agon/cli was installed without its build output\n`);
  });
});
