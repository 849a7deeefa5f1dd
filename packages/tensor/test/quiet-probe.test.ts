// initBackend's auto mode in a fresh Node process: Dawn and the Vulkan loader print to file
// descriptor 2 while an adapter is requested, which no in-process hook can silence, so the test
// runs the real sources (bundled by esbuild) in a child and reads its stderr.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, beforeAll, afterAll } from '@jest/globals';
import { build } from 'esbuild';

const pkg = fileURLToPath(new URL('..', import.meta.url));
let dir: string;
let script: string;

beforeAll(async () => {
  // Inside the package (tmp/ is git-ignored) so the bundle resolves tfjs and webgpu from node_modules.
  await mkdir(join(pkg, 'tmp'), { recursive: true });
  dir = await mkdtemp(join(pkg, 'tmp', 'quiet-probe-'));
  script = join(dir, 'probe.mjs');
  const out = await build({
    stdin: {
      contents: `import { initBackend } from './src/index.ts';
const t0 = performance.now();
const info = await initBackend();
process.stdout.write(JSON.stringify({ backend: info.backend, reason: info.reason, ms: performance.now() - t0 }) + '\\n');`,
      resolveDir: pkg,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    logLevel: 'silent',
    packages: 'external',
  });
  await writeFile(script, out.outputFiles[0].text);
});

afterAll(() => rm(dir, { recursive: true, force: true }));

function runProbe(env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script], { env, timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(err) : resolve({ stdout, stderr })));
  });
}

describe('auto backend choice in a fresh process', () => {
  it.each([
    ['a software Vulkan driver (SwiftShader)', process.env.VK_ICD_FILENAMES, /WebGPU adapter is software/],
    ['no Vulkan driver at all', '/nonexistent/icd.json', /no WebGPU adapter was found/],
  ])('with %s: stderr stays empty and the reason names what was skipped', async (_what, icd, skipped) => {
    const env = { ...process.env };
    if (icd) env.VK_ICD_FILENAMES = icd;
    else delete env.VK_ICD_FILENAMES;
    const { stdout, stderr } = await runProbe(env);
    expect(stderr).toBe('');
    const r = JSON.parse(stdout) as { backend: string; reason: string; ms: number };
    if (r.backend === 'webgpu') return; // a hardware GPU: nothing was skipped
    expect(r.backend).toBe('wasm');
    if (icd) expect(r.reason).toMatch(skipped);
  });
});
