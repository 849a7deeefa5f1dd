// The committed wasm/agon-kernels.wasm is what native/*.c builds to, byte for byte, with Debian's
// clang-19/lld-19 (native/build.sh). Without clang-19 the rebuild is skipped with the reason,
// except under CI, where .ci/run installs it and a skip is a failure.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const committed = path.join(pkg, 'wasm/agon-kernels.wasm');
const clang = spawnSync('clang-19', ['--version']).status === 0;
const required = Boolean(process.env.CI);
if (!clang && !required) console.warn('skipping the wasm rebuild check: clang-19 not found (apt-get install clang-19 lld-19)');

describe('agon-kernels.wasm', () => {
  it('imports only the host memory and exports the kernels', () => {
    const mod = new WebAssembly.Module(readFileSync(committed));
    expect(WebAssembly.Module.imports(mod)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    const exports = WebAssembly.Module.exports(mod).map((e) => `${e.name}:${e.kind}`);
    expect(exports).toEqual(expect.arrayContaining(['gemm_f32:function', 'gemm_scratch_floats:function', '__stack_pointer:global']));
  });

  (clang || required ? it : it.skip)('is what native/build.sh builds from the sources, byte for byte', () => {
    if (!clang) throw new Error('clang-19 is required under CI to rebuild the wasm kernels');
    const dir = mkdtempSync(path.join(tmpdir(), 'agon-wasm-'));
    try {
      const out = path.join(dir, 'k.wasm');
      execFileSync(path.join(pkg, 'native/build.sh'), [out], { stdio: 'pipe' });
      const built = readFileSync(out);
      const have = readFileSync(committed);
      expect(built.length).toBe(have.length);
      expect(Buffer.compare(built, have)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
