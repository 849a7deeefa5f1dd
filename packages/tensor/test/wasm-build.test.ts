// The committed wasm/*.wasm are what native/*.c builds to, byte for byte, with Debian's
// clang-19/lld-19 (native/build.sh): agon-kernels.wasm over a plain memory (tfjs' heap) and
// agon-kernels-threads.wasm over a shared one (the kernel threads). Without clang-19 the rebuild
// is skipped with the reason, except under CI, where .ci/run installs it and a skip is a failure.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const wasmDir = path.join(pkg, 'wasm');
const committed = readdirSync(wasmDir).filter((f) => f.endsWith('.wasm')).sort();
const clang = spawnSync('clang-19', ['--version']).status === 0;
const required = Boolean(process.env.CI);
if (!clang && !required) console.warn('skipping the wasm rebuild check: clang-19 not found (apt-get install clang-19 lld-19)');

describe('agon wasm kernels', () => {
  it('are the two builds, each importing only the memory of its kind and exporting the kernels', () => {
    expect(committed).toEqual(['agon-kernels-threads.wasm', 'agon-kernels.wasm']);
    for (const file of committed) {
      const mod = new WebAssembly.Module(readFileSync(path.join(wasmDir, file)));
      expect(WebAssembly.Module.imports(mod)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
      const exports = WebAssembly.Module.exports(mod).map((e) => `${e.name}:${e.kind}`);
      expect(exports).toEqual(expect.arrayContaining(['gemm_f32:function', 'gemm_scratch_floats:function', '__stack_pointer:global']));
      // A plain memory instantiates only the one-thread build, a shared one only the threads' build.
      const shared = file.includes('threads');
      const memory = new WebAssembly.Memory({ initial: 2, maximum: 32768, shared });
      expect(() => new WebAssembly.Instance(mod, { env: { memory } })).not.toThrow();
      const other = new WebAssembly.Memory({ initial: 2, maximum: 32768, shared: !shared });
      expect(() => new WebAssembly.Instance(mod, { env: { memory: other } })).toThrow(WebAssembly.LinkError);
    }
  });

  (clang || required ? it : it.skip)('are what native/build.sh builds from the sources, byte for byte', () => {
    if (!clang) throw new Error('clang-19 is required under CI to rebuild the wasm kernels');
    const dir = mkdtempSync(path.join(tmpdir(), 'agon-wasm-'));
    try {
      execFileSync(path.join(pkg, 'native/build.sh'), [dir], { stdio: 'pipe' });
      expect(readdirSync(dir).sort()).toEqual(committed);
      for (const file of committed) {
        const built = readFileSync(path.join(dir, file));
        const have = readFileSync(path.join(wasmDir, file));
        expect({ file, length: built.length }).toEqual({ file, length: have.length });
        expect({ file, same: Buffer.compare(built, have) === 0 }).toEqual({ file, same: true });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
