// tools/gpu-bench.sh end to end in its tiny mode, as a GPU machine would run it but here: it packs
// the payload (this Node, the esbuild bundle, dawn.node), unpacks it into a temp folder, runs agon
// on webgpu (SwiftShader) and torch_ref.py on the CPU on stories260K, and writes the report. Needs
// SwiftShader's Vulkan ICD (Debian's chromium) and a python with torch; under CI both must be there.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const script = path.join(root, 'tools/gpu-bench.sh');
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
const missing = !existsSync(SWIFTSHADER) ? `no SwiftShader Vulkan ICD at ${SWIFTSHADER}` : !existsSync('/opt/torch2/bin/python') ? 'no /opt/torch2 python with torch' : undefined;
if (missing && !process.env.CI) console.warn(`skipping the gpu-bench.sh tiny run: ${missing}`);
const suite = missing && !process.env.CI ? describe.skip : describe;

suite('tools/gpu-bench.sh', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'agon-gpu-bench-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('run without a prepared payload stops and says what to do', async () => {
    const env = { ...process.env, GPU_BENCH_DIR: path.join(dir, 'none'), OUT: path.join(dir, 'none-out') };
    await expect(run('bash', [script, 'run'], { env })).rejects.toMatchObject({
      stderr: expect.stringContaining("payload.tar.xz not found: run 'tools/gpu-bench.sh prepare' first and carry .gpu-bench"),
    });
  });

  it('run takes no option but --only decode|train', async () => {
    const env = { ...process.env, GPU_BENCH_DIR: path.join(dir, 'none'), OUT: path.join(dir, 'none-out') };
    await expect(run('bash', [script, 'run', '--only', 'sideways'], { env })).rejects.toMatchObject({
      stderr: expect.stringContaining('run takes no options but --only decode or --only train; got: --only sideways'),
    });
  });

  it('tiny: packs, unpacks and runs agon webgpu against torch on stories260K, one table and the JSON report', async () => {
    const out = path.join(dir, 'out');
    const env = { ...process.env, GPU_BENCH_DIR: path.join(dir, 'gb'), OUT: out, PYTHON: '/opt/torch2/bin/python', VK_ICD_FILENAMES: SWIFTSHADER };
    const { stdout } = await run('bash', [script, 'tiny'], { env, timeout: 900_000, maxBuffer: 16 << 20 });
    expect(existsSync(path.join(dir, 'gb/payload.tar.xz'))).toBe(true);
    const report = JSON.parse(readFileSync(path.join(out, 'gpu-bench.json'), 'utf8'));
    expect(report.model).toBe('stories260K');
    expect(report.adapter).toMatchObject({ software: true });
    expect(report.torch).toMatchObject({ python: '/opt/torch2/bin/python', device: 'cpu' });
    expect(report.rows.map((r: { label: string }) => r.label)).toEqual(['decode b2', 'train 2×4']);
    for (const row of report.rows) {
      expect(row.note).toBeUndefined();
      expect(row.agon.tokensPerS).toBeGreaterThan(0);
      expect(row.torch).toMatchObject({ device: 'cpu', config: 'stories260K' });
      expect(row.ratio).toBeCloseTo(row.agon.tokensPerS / row.torch.tokens_per_s, 10);
    }
    // The training rows ran real steps: finite losses on both sides.
    expect(report.rows[1].agon.extra.finalLoss).toBeGreaterThan(0);
    expect(report.rows[1].torch.final_loss).toBeGreaterThan(0);
    expect(stdout).toMatch(/^\| decode b2 +\| +[\d.]+ \| +[\d.]+ \| +[\d.]+× \|$/m);
    expect(readFileSync(path.join(out, 'gpu-bench.txt'), 'utf8')).toContain('| train 2×4');
  }, 900_000);
});
