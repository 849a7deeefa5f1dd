// The pure parts of the GPU benchmark (tools/gpu-bench.sh runs the rest end to end, see
// tools/test/gpu-bench.test.ts): which rows a run has, the table, and the report file.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatGpuBench, gpuBenchRows, writeGpuBenchJson, type GpuBenchReport } from '../src/index.js';

describe('the GPU benchmark', () => {
  it('has Qwen2.5-0.5B decode and LoRA training rows, stories260K toy ones when tiny, and --only keeps one kind', () => {
    expect(gpuBenchRows(false).map((r) => r.label)).toEqual(['decode b1 (prompt 128)', 'decode b16 (prompt 16)', 'train LoRA r16 4×256']);
    expect(gpuBenchRows(false, 'train').map((r) => r.train)).toEqual([{ batch: 4, seq: 256, steps: 3, warmup: 1, lora: 16, recompute: true }]);
    expect(gpuBenchRows(false, 'decode').map((r) => r.kind)).toEqual(['decode', 'decode']);
    expect(gpuBenchRows(true).map((r) => r.label)).toEqual(['decode b2', 'train 2×4']);
    const a = gpuBenchRows(true);
    a[0].note = 'changed';
    expect(gpuBenchRows(true)[0].note).toBeUndefined(); // each run gets its own rows
  });

  const report: GpuBenchReport = {
    model: 'qwen2.5-0.5b',
    webgpu: 'adapter NVIDIA H200 / nvidia',
    torch: { python: '/usr/bin/python3', torch: '2.11.0', script: 'tools/torch_ref.py', device: 'cuda' },
    machine: { cpus: 16, memoryGb: 128, node: 'v20.20.2', loadAverage: [0.5, 0.4, 0.3] },
    rows: [
      { ...gpuBenchRows(false)[0], agon: { tokensPerS: 40, extra: {} }, torch: { tokens_per_s: 80 }, ratio: 0.5 },
      { ...gpuBenchRows(false)[2], note: 'agon: out of memory' },
    ],
    seconds: 200,
  };

  it('prints one table with the ratio, notes and the machine', () => {
    expect(formatGpuBench(report)).toEqual([
      'qwen2.5-0.5b: agon webgpu (adapter NVIDIA H200 / nvidia) vs torch 2.11.0 cuda',
      '| row                    | agon tok/s | torch tok/s | agon/torch |',
      '|------------------------|-----------:|------------:|-----------:|',
      '| decode b1 (prompt 128) |       40.0 |          80 |      0.50× |',
      '| train LoRA r16 4×256   |          — |           — |          — |',
      'note: train LoRA r16 4×256: agon: out of memory',
      '16 CPUs, node v20.20.2, load 0.5 0.4 0.3, 200 s',
    ]);
  });

  it('writes gpu-bench.json whole (through a temporary file)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agon-gpu-report-'));
    try {
      const file = writeGpuBenchJson(report, join(dir, 'out'));
      expect(file).toBe(join(dir, 'out', 'gpu-bench.json'));
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(report);
      expect(readdirSync(join(dir, 'out'))).toEqual(['gpu-bench.json']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
