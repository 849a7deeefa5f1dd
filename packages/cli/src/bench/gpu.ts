/**
 * The GPU benchmark that tools/gpu-bench.sh runs on a machine with a GPU: agon on `webgpu` (Dawn
 * on a hardware adapter) against PyTorch on CUDA, on Qwen2.5-0.5B's shape (random weights), for
 * batched greedy decoding and a LoRA training step. `tiny` runs stories260K at toy sizes on
 * whatever adapter Dawn finds (SwiftShader on a machine without a GPU) against torch on the CPU:
 * the harness check the tests run.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { loadModel, type LoadedModel } from '@agon/models';
import { initBackend, releaseBackend } from '@agon/tensor';
import { measureDecode, measureTrain, type DecodeShape, type Measured, type TrainShape } from './measure.js';
import { benchShapeFolder } from './models.js';
import { findTorchPeer, runTorchRef, type TorchPeer } from './torch.js';

/**
 * Options of {@link runGpuBench}.
 *
 * @example
 * ```ts
 * const o: GpuBenchOptions = { root: '/repo', tiny: true, device: 'cpu' };
 * ```
 */
export interface GpuBenchOptions {
  /** The repository root: stories260K's checkpoint and tools/torch_ref.py are read from it. */
  root: string;
  /** stories260K at toy sizes, any adapter (software too), for checking the harness; default false. */
  tiny?: boolean;
  /** torch's device: `cuda` (default) or `cpu`. */
  device?: string;
  /** Python with torch; default the first of the bench's candidates that imports it. */
  python?: string;
  /** Run the PyTorch side; default true. */
  torch?: boolean;
  /** Only the rows of this kind (decode or train); default both. */
  only?: 'decode' | 'train';
  /** Called with a line as each measurement finishes. */
  progress?: (line: string) => void;
}

/**
 * One workload measured on both sides.
 *
 * @example
 * ```ts
 * const r: GpuBenchRow = { label: 'decode b1', kind: 'decode', agon: { tokensPerS: 40, extra: {} }, torch: { tokens_per_s: 90 }, ratio: 0.44 };
 * ```
 */
export interface GpuBenchRow {
  label: string;
  kind: 'decode' | 'train';
  decode?: DecodeShape;
  train?: TrainShape;
  agon?: { tokensPerS: number; extra: Record<string, number> };
  /** torch_ref.py's JSON line. */
  torch?: Record<string, unknown>;
  /** agon tokens/s ÷ torch tokens/s. */
  ratio?: number;
  /** Why a side has no number. */
  note?: string;
}

/**
 * Everything one run measured.
 *
 * @example
 * ```ts
 * const report = await runGpuBench({ root: process.cwd() });
 * report.rows.map((r) => r.ratio);
 * ```
 */
export interface GpuBenchReport {
  model: string;
  /** initBackend's line for webgpu (adapter, software or not), or why it did not start. */
  webgpu: string;
  adapter?: { vendor: string; architecture: string; device: string; description: string; software: boolean };
  torch: (TorchPeer & { device: string }) | { skipped: string };
  machine: { cpus: number; memoryGb: number; node: string; loadAverage: number[] };
  rows: GpuBenchRow[];
  seconds: number;
}

/** Qwen2.5-0.5B (random weights): decode b1 after a 128-token prompt and b16, LoRA r16 training at 4×256. */
const FULL_ROWS: GpuBenchRow[] = [
  { label: 'decode b1 (prompt 128)', kind: 'decode', decode: { batch: 1, promptLen: 128, newTokens: 32 } },
  { label: 'decode b16 (prompt 16)', kind: 'decode', decode: { batch: 16, promptLen: 16, newTokens: 32 } },
  { label: 'train LoRA r16 4×256', kind: 'train', train: { batch: 4, seq: 256, steps: 3, warmup: 1, lora: 16, recompute: true } },
];

/** stories260K at toy sizes (SwiftShader takes seconds a decoding step on a loaded 2-core machine). */
const TINY_ROWS: GpuBenchRow[] = [
  { label: 'decode b2', kind: 'decode', decode: { batch: 2, promptLen: 2, newTokens: 2 } },
  { label: 'train 2×4', kind: 'train', train: { batch: 2, seq: 4, steps: 1, warmup: 1 } },
];

/**
 * The rows a run measures: Qwen2.5-0.5B's, or stories260K's toy ones when `tiny`; only those of
 * kind `only` when given.
 *
 * @example
 * ```ts
 * gpuBenchRows(false, 'train').map((r) => r.label); // ['train LoRA r16 4×256']
 * ```
 */
export function gpuBenchRows(tiny: boolean, only?: 'decode' | 'train'): GpuBenchRow[] {
  return (tiny ? TINY_ROWS : FULL_ROWS).filter((r) => !only || r.kind === only).map((r) => ({ ...r }));
}

function torchArgs(row: GpuBenchRow, model: string[], device: string): string[] {
  const common = [...model, '--device', device, '--threads', String(os.availableParallelism())];
  if (row.decode) return [...common, '--mode', 'decode', '--batch', String(row.decode.batch), '--new', String(row.decode.newTokens), '--prompt-len', String(row.decode.promptLen)];
  const t = row.train;
  if (!t) throw new Error(`gpu bench: row '${row.label}' has neither a decode nor a train shape`);
  return [...common, '--mode', 'train', '--batch', String(t.batch), '--seq', String(t.seq), '--steps', String(t.steps), ...(t.lora ? ['--lora', String(t.lora)] : [])];
}

/**
 * Runs the GPU benchmark: each row on agon's webgpu backend, then on torch_ref.py with
 * `--device`. A side that cannot run leaves a note in its row (the other side still runs).
 *
 * @example
 * ```ts
 * const report = await runGpuBench({ root: '/repo', tiny: true, device: 'cpu' });
 * console.log(formatGpuBench(report).join('\n'));
 * ```
 */
export async function runGpuBench(o: GpuBenchOptions): Promise<GpuBenchReport> {
  const t0 = performance.now();
  const progress = o.progress ?? (() => undefined);
  const tiny = o.tiny ?? false;
  const device = o.device ?? 'cuda';
  const stories = join(o.root, 'packages/models/assets/stories260K/stories260K.bin');
  const modelName = tiny ? 'stories260K' : 'qwen2.5-0.5b';
  const folder = tiny ? stories : await benchShapeFolder('qwen2.5-0.5b');
  const rows = gpuBenchRows(tiny, o.only);

  const stamp = (line: string) => progress(`[${((performance.now() - t0) / 1000).toFixed(0)} s] ${line}`);
  let torch: GpuBenchReport['torch'] = { skipped: 'turned off (--no-torch)' };
  if (o.torch ?? true) {
    const peer = await findTorchPeer({ python: o.python, script: join(o.root, 'tools/torch_ref.py') });
    torch = typeof peer === 'string' ? { skipped: peer } : { ...peer, device };
  }
  if (!('python' in torch)) stamp(`no torch side: ${torch.skipped}`);

  let webgpu: string;
  let adapter: GpuBenchReport['adapter'];
  let loaded: LoadedModel | undefined;
  try {
    const info = await initBackend({ backend: 'webgpu', allowSoftwareGpu: tiny });
    webgpu = info.reason;
    adapter = info.adapter;
    loaded = await loadModel(folder);
  } catch (e) {
    webgpu = `webgpu did not start: ${(e as Error).message.split('\n')[0]}`;
  }
  stamp(webgpu);
  // Row by row, agon then torch, so a run cut short still holds whole pairs.
  const torchModel = tiny ? ['--checkpoint', stories] : ['--hf', folder];
  try {
    for (const row of rows) {
      if (!loaded) row.note = webgpu;
      else {
        try {
          let m: Measured;
          if (row.decode) m = await measureDecode(loaded, row.decode);
          else if (row.train) m = await measureTrain(loaded, row.train);
          else throw new Error(`row '${row.label}' has neither a decode nor a train shape`);
          row.agon = { tokensPerS: m.value, extra: m.extra };
          stamp(`agon webgpu ${row.label}: ${m.value.toFixed(1)} tokens/s`);
        } catch (e) {
          row.note = `agon: ${(e as Error).message.split('\n')[0]}`;
          stamp(row.note);
        }
      }
      if (!('python' in torch)) continue;
      try {
        row.torch = await runTorchRef(torch, torchArgs(row, torchModel, device));
        const tv = Number(row.torch.tokens_per_s);
        if (row.agon && tv > 0) row.ratio = row.agon.tokensPerS / tv;
        stamp(`torch ${device} ${row.label}: ${tv} tokens/s`);
      } catch (e) {
        row.note = [row.note, `torch: ${(e as Error).message.split('\n')[0]}`].filter(Boolean).join('; ');
        stamp(`torch ${device} ${row.label}: failed`);
      }
    }
  } finally {
    loaded?.model.dispose();
    if (loaded) await releaseBackend('webgpu');
  }

  return {
    model: modelName,
    webgpu,
    adapter,
    torch,
    machine: { cpus: os.availableParallelism(), memoryGb: os.totalmem() / 2 ** 30, node: process.version, loadAverage: os.loadavg() },
    rows,
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * The report as a table: one line per row, agon webgpu and torch tokens/s and their ratio.
 *
 * @example
 * ```ts
 * formatGpuBench(report)[0]; // 'qwen2.5-0.5b: agon webgpu (adapter nvidia / …) vs torch 2.11.0 cuda'
 * ```
 */
export function formatGpuBench(r: GpuBenchReport): string[] {
  const torchName = 'python' in r.torch ? `torch ${r.torch.torch} ${r.torch.device}` : `no torch (${r.torch.skipped})`;
  const lines = [`${r.model}: agon webgpu (${r.webgpu}) vs ${torchName}`];
  const head = ['row', 'agon tok/s', 'torch tok/s', 'agon/torch'];
  const body = r.rows.map((row) => [
    row.label,
    row.agon ? row.agon.tokensPerS.toFixed(1) : '—',
    row.torch ? String(row.torch.tokens_per_s) : '—',
    row.ratio !== undefined ? `${row.ratio.toFixed(2)}×` : '—',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  lines.push(fmt(head), `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...body.map(fmt));
  for (const row of r.rows) if (row.note) lines.push(`note: ${row.label}: ${row.note}`);
  lines.push(`${r.machine.cpus} CPUs, node ${r.machine.node}, load ${r.machine.loadAverage.map((l) => l.toFixed(1)).join(' ')}, ${r.seconds.toFixed(0)} s`);
  return lines;
}

/**
 * Writes the report as `gpu-bench.json` in `dir` (created if missing), through a temporary file
 * and a rename, so a reader never sees half a file. Returns the path.
 *
 * @example
 * ```ts
 * writeGpuBenchJson(report, process.env.OUT ?? '.'); // '…/gpu-bench.json'
 * ```
 */
export function writeGpuBenchJson(r: GpuBenchReport, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'gpu-bench.json');
  const tmp = `${file}.${randomUUID()}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(r, null, 2)}\n`);
  renameSync(tmp, file);
  return file;
}
