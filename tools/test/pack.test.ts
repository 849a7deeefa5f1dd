// Each package must install alone from its tarball: `npm pack` it, install the tarball (with the
// tarballs of its @agon dependencies) into an empty folder, and import it. This catches a missing
// `files` entry, a wrong `exports` map, or a runtime import of something not declared.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { byName, closure, packAll, packages } from './packs.js';

const work = mkdtempSync(path.join(tmpdir(), 'agon-pack-'));
const tarballs = new Map<string, string>();
const packedFiles = new Map<string, string[]>();

beforeAll(() => {
  for (const [name, { tarball, files }] of packAll(work)) {
    tarballs.set(name, tarball);
    packedFiles.set(name, files);
  }
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.each(packages.map((p) => [p.manifest.name]))('%s', (name) => {
  it('ships dist, types and README, and no sources or tests', () => {
    const files = packedFiles.get(name)!;
    expect(files).toContain('README.md');
    expect(files).toContain('package.json');
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);
    const main = byName.get(name)!.manifest.exports['.'];
    expect(typeof main === 'object' && Object.keys(main)[0]).toBe('types');
  });

  it('installs alone from its tarball and imports', () => {
    const probe = path.join(work, `probe-${name.replace('@agon/', '')}`);
    execFileSync('mkdir', ['-p', probe]);
    const deps = Object.fromEntries([...closure(name)].map((n) => [n, `file:${tarballs.get(n)}`]));
    writeFileSync(
      path.join(probe, 'package.json'),
      JSON.stringify({ name: 'probe', private: true, type: 'module', dependencies: deps, overrides: deps }),
    );
    // --omit=optional: the Dawn binary for WebGPU is optional; the packages must import without it.
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--omit=optional', '--ignore-scripts'], {
      cwd: probe,
      encoding: 'utf8',
      stdio: 'pipe',
    });
    const keys = execFileSync(
      'node',
      ['--input-type=module', '-e', `const m = await import('${name}'); console.log(JSON.stringify(Object.keys(m)));`],
      { cwd: probe, encoding: 'utf8' },
    );
    expect((JSON.parse(keys) as string[]).length).toBeGreaterThan(0);
    // Every JavaScript subpath export (e.g. @agon/models/testing) resolves and has exports of its own.
    const subpaths = Object.entries(byName.get(name)!.manifest.exports).filter(([k, v]) => k !== '.' && typeof v === 'object').map(([k]) => k);
    for (const sub of subpaths) {
      const spec = `${name}${sub.slice(1)}`;
      const subKeys = execFileSync('node', ['--input-type=module', '-e', `const m = await import('${spec}'); console.log(JSON.stringify(Object.keys(m)));`], { cwd: probe, encoding: 'utf8' });
      expect([spec, (JSON.parse(subKeys) as string[]).length > 0]).toEqual([spec, true]);
    }
  }, 180_000);
});

describe('@agon/tensor wasm kernels', () => {
  it('ships agon-kernels.wasm and runs a transposed product on it from the installed package', () => {
    expect(packedFiles.get('@agon/tensor')).toContain('wasm/agon-kernels.wasm');
    const probe = path.join(work, 'probe-tensor');
    if (!existsSync(path.join(probe, 'node_modules/@agon/tensor'))) throw new Error('the @agon/tensor probe install is missing (its install test runs first)');
    const script = `
      import * as tf from '@tensorflow/tfjs-core';
      import { initBackend } from '@agon/tensor';
      const info = await initBackend({ backend: 'wasm', threads: 1 });
      const y = tf.matMul(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]), tf.tensor2d([1, 0, 1, 0, 1, 0], [2, 3]), false, true);
      console.log(JSON.stringify({ reason: info.reason, y: Array.from(y.dataSync()) }));`;
    const out = JSON.parse(execFileSync('node', ['--input-type=module', '-e', script], { cwd: probe, encoding: 'utf8' })) as { reason: string; y: number[] };
    expect(out.reason).toContain('matMul: agon SIMD GEMM');
    expect(out.y).toEqual([4, 2, 10, 5]);
  }, 60_000);

  // The kernel threads' binary and script come from the installed package; the process leaves
  // its workers running (unref'd) and must exit by itself, well before they would leave for idleness.
  it('ships the threads build and its worker script, runs a product on 2 threads from the installed package, and exits', () => {
    expect(packedFiles.get('@agon/tensor')).toEqual(expect.arrayContaining(['wasm/agon-kernels-threads.wasm', 'wasm/agon-kernels-thread.js']));
    const probe = path.join(work, 'probe-tensor');
    const script = `
      import * as tf from '@tensorflow/tfjs-core';
      import { initBackend } from '@agon/tensor';
      const info = await initBackend({ backend: 'wasm', threads: 2, threadMinFlops: 0 }); // every product split
      const a = tf.range(0, 300 * 200).reshape([300, 200]).mod(7);
      const y = tf.matMul(a, tf.ones([200, 100])).dataSync();
      // Row r of y: Σ over columns c of (r·200 + c) mod 7, in every one of its 100 entries.
      let ok = true;
      for (let r = 0; r < 300; r++) {
        let s = 0;
        for (let c = 0; c < 200; c++) s += (r * 200 + c) % 7;
        for (let j = 0; j < 100; j++) ok &&= y[r * 100 + j] === s;
      }
      const at = performance.now();
      process.on('exit', () => console.log(JSON.stringify({ reason: info.reason, ok, exitMs: performance.now() - at })));`;
    const out = JSON.parse(execFileSync('node', ['--input-type=module', '-e', script], { cwd: probe, encoding: 'utf8', timeout: 60_000 })) as {
      reason: string;
      ok: boolean;
      exitMs: number;
    };
    expect(out.reason).toContain('2 threads for matMul products');
    expect(out.ok).toBe(true);
    expect(out.exitMs).toBeLessThan(5_000);
  }, 60_000);
});
