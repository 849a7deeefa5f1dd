/**
 * `agon bench` end to end: picks the backends present, runs every row (each in a fresh Node
 * process when the CLI is built, so peak RSS is the row's own), runs torch_ref.py on the same
 * shapes in the same invocation, and returns the report that table.ts prints.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { getBackendProvider, registerBuiltinProviders } from '@agon/tensor';
import { torchModelArgs, type BenchModelName } from './models.js';
import { planRows, planScaling, REDUCED_BACKENDS, type BenchRow } from './plan.js';
import { runRowInProcess, type AgonResult } from './run-row.js';
import { findJaxPeer, jaxArgs, runJaxRef } from './jax.js';
import { benchEnv, findTorchPeer, runTorchRef, type TorchPeer } from './torch.js';

/**
 * Options of {@link runBench}.
 *
 * @example
 * ```ts
 * const o: BenchOptions = { quick: true, backends: ['wasm'], torch: false };
 * ```
 */
export interface BenchOptions {
  /** Tiny shapes (seconds); default false. */
  quick?: boolean;
  /** Backends to run; default every one present of wasm, cpu, webgpu. */
  backends?: readonly string[];
  /** Models; default stories260K and stories15M. */
  models?: readonly BenchModelName[];
  /** Only these kinds of row (decode, train, lsp); default all. */
  workloads?: readonly BenchRow['kind'][];
  /** Run the scaling study (LSP iteration vs N, G, tokens per role) instead of the main table. */
  scaling?: boolean;
  /** Run the PyTorch peer; default true. */
  torch?: boolean;
  /** Python to use for the peer; default the first of PYTHON_CANDIDATES that imports torch. */
  python?: string;
  /** Path of torch_ref.py; default tools/torch_ref.py of the repository. */
  torchRef?: string;
  /** Run the @jax-js/jax peer (tools/jax_ref.mjs) on the stories260K training rows of wasm; default true. */
  jax?: boolean;
  /** Threads for torch (agon's wasm runs on one); default the number of CPUs. */
  torchThreads?: number;
  /**
   * Rounds per row: agon's row and the PyTorch peer run alternately this many times and the
   * medians are reported (default 1; an odd count has a middle value). On a machine whose speed
   * changes for minutes at a time, one round can catch agon and PyTorch in different modes.
   */
  rounds?: number;
  /** `process`: each row in a fresh Node process; `inline`: here; `auto` (default): process when the CLI is built. */
  isolate?: 'auto' | 'process' | 'inline';
  /** Called with a line of progress as rows finish. */
  progress?: (line: string) => void;
}

/**
 * One row's numbers: agon's, torch's on the same shape (when run) and their ratio.
 *
 * @example
 * ```ts
 * const r: RowReport = { row, agon, torch: { tokens_per_s: 9000 }, ratio: 0.55 };
 * ```
 */
export interface RowReport {
  row: BenchRow;
  agon?: AgonResult;
  /** The JSON line of torch_ref.py (tokens_per_s, peak_rss_mb, torch, threads…). */
  torch?: Record<string, unknown>;
  /** agon tokens/s ÷ torch tokens/s (higher is better for agon). */
  ratio?: number;
  /** The JSON line of tools/jax_ref.mjs on the same shape, where the row has a jax-js counterpart. */
  jax?: Record<string, unknown>;
  /** agon tokens/s ÷ jax-js tokens/s. */
  jaxRatio?: number;
  /** Why a number is missing (an error, or no torch counterpart). */
  note?: string;
  /** With several rounds: every round's agon value and PyTorch tokens/s, in the order run. */
  rounds?: { agon: number[]; torch: number[] };
}

/**
 * Everything a run measured, and where.
 *
 * @example
 * ```ts
 * const report: BenchReport = await runBench({ quick: true });
 * report.rows[0].agon?.value;
 * ```
 */
export interface BenchReport {
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; loadAverageStart: number[]; loadAverageEnd: number[] };
  /** The peer used, or why none ran. */
  torch: TorchPeer | { skipped: string };
  /** The jax-js peer used (its version), or why none ran. */
  jax: { script: string; version?: string } | { skipped: string };
  isolated: boolean;
  quick: boolean;
  /** Backends skipped, with the reason; and reduced ones. */
  notes: string[];
  rows: RowReport[];
  seconds: number;
}

const BIN = fileURLToPath(new URL('../bin.js', import.meta.url));

/** The backends of `wanted` that can start here, plus a note for each that cannot. */
async function presentBackends(wanted: readonly string[], notes: string[]): Promise<string[]> {
  registerBuiltinProviders();
  const out: string[] = [];
  for (const name of wanted) {
    const p = getBackendProvider(name);
    let ok: boolean | string = p ? false : `unknown backend`;
    if (p) {
      try {
        ok = await p.isAvailable({ allowSoftwareGpu: true, isNode: true });
      } catch (e) {
        ok = (e as Error).message;
      }
    }
    if (ok === true) out.push(name);
    else notes.push(`${name}: skipped (${typeof ok === 'string' ? ok : 'unavailable'})`);
  }
  return out;
}

/** Runs one row in a fresh Node process (`agon bench --row JSON`) and reads its JSON line. */
function runRowInChild(row: BenchRow): Promise<AgonResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'bench', '--row', JSON.stringify(row)], { env: benchEnv(process.env, false), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0) {
        try {
          resolve(JSON.parse(line) as AgonResult);
          return;
        } catch {
          /* fall through */
        }
      }
      reject(new Error(`row ${row.model} ${row.backend} '${row.label}' exited ${code}: ${(err.trim().split('\n').pop() ?? '') || line}`));
    });
  });
}

async function torchArgs(row: BenchRow, threads: number): Promise<string[] | undefined> {
  const common = [...(await torchModelArgs(row.model)), '--threads', String(threads)];
  if (row.decode) return [...common, '--mode', 'decode', '--batch', String(row.decode.batch), '--new', String(row.decode.newTokens), '--prompt-len', String(row.decode.promptLen)];
  if (row.train) {
    const lora = row.train.lora ? ['--lora', String(row.train.lora)] : [];
    return [...common, '--mode', 'train', '--batch', String(row.train.batch), '--seq', String(row.train.seq), '--steps', String(row.train.steps), ...lora];
  }
  return undefined; // torch_ref.py has no LSP loop
}

/**
 * Runs the benchmark and returns its report (print it with `formatReport`).
 *
 * @example
 * ```ts
 * const report = await runBench({ quick: true, backends: ['wasm'], torch: false });
 * console.log(formatReport(report).join('\n'));
 * ```
 */
export async function runBench(opts: BenchOptions = {}): Promise<BenchReport> {
  const t0 = performance.now();
  const progress = opts.progress ?? (() => undefined);
  const notes: string[] = [];
  const quick = opts.quick ?? false;
  const backends = await presentBackends(opts.backends ?? ['wasm', 'cpu', 'webgpu'], notes);
  if (!quick) for (const b of backends) if (REDUCED_BACKENDS[b]) notes.push(`${b}: ${REDUCED_BACKENDS[b]}`);
  const isolate = opts.isolate ?? 'auto';
  const isolated = isolate === 'process' || (isolate === 'auto' && existsSync(BIN));
  if (isolate === 'process' && !existsSync(BIN)) throw new Error(`bench: isolate 'process' needs the built CLI (${BIN}); run npx tsc -p packages/cli/tsconfig.lib.json`);

  let torch: TorchPeer | { skipped: string } = { skipped: 'turned off (--no-torch)' };
  if (opts.torch ?? true) {
    const peer = await findTorchPeer({ python: opts.python, script: opts.torchRef });
    torch = typeof peer === 'string' ? { skipped: peer } : peer;
  }
  let jax: { script: string; version?: string } | { skipped: string } = { skipped: 'turned off (--no-jax)' };
  if (opts.jax ?? true) {
    const peer = findJaxPeer();
    jax = typeof peer === 'string' ? { skipped: peer } : peer;
  }
  const threads = opts.torchThreads ?? os.availableParallelism();
  const rounds = opts.rounds ?? 1;
  if (!(Number.isInteger(rounds) && rounds >= 1)) throw new Error(`bench: rounds must be a whole number ≥ 1, got ${rounds}`);
  // Every round's torch_ref.py result per argument list: rows of other backends reuse them.
  const torchCache = new Map<string, (Record<string, unknown> | Error)[]>();
  const machine = {
    cpus: os.availableParallelism(),
    cpuModel: cpuModelName(),
    memoryGb: os.totalmem() / 2 ** 30,
    node: process.version,
    loadAverageStart: os.loadavg(),
    loadAverageEnd: [] as number[],
  };

  const rows: RowReport[] = [];
  const plan = opts.scaling ? backends.flatMap((b) => planScaling(b, opts.models?.[0])) : planRows({ quick, backends, models: opts.models, workloads: opts.workloads });
  for (const row of plan) {
    const report: RowReport = { row };
    const args = 'python' in torch ? await torchArgs(row, threads) : undefined;
    const key = args?.join(' ') ?? '';
    const agonRuns: AgonResult[] = [];
    const torchRuns: Record<string, unknown>[] = [];
    // A failed agon row or peer ends the rounds (after the peer's run of that round).
    for (let k = 0, failed = false; k < rounds && !failed; k++) {
      try {
        agonRuns.push(isolated ? await runRowInChild(row) : await runRowInProcess(row));
      } catch (e) {
        report.note = (e as Error).message.split('\n')[0];
        failed = true;
      }
      if (!args || !('python' in torch)) continue;
      const seen = torchCache.get(key) ?? [];
      torchCache.set(key, seen);
      if (seen.length <= k) seen.push(await runTorchRef(torch, args).catch((e: Error) => e));
      const t = seen[k];
      if (t instanceof Error) {
        report.note = [report.note, t.message.split('\n')[0]].filter(Boolean).join('; ');
        failed = true;
      } else torchRuns.push(t);
    }
    report.agon = middle(agonRuns, (a) => a.value);
    report.torch = middle(torchRuns, (t) => Number(t.tokens_per_s));
    if (report.agon && report.torch) {
      const tv = Number(report.torch.tokens_per_s);
      if (tv > 0) report.ratio = report.agon.value / tv;
    }
    if (rounds > 1) report.rounds = { agon: agonRuns.map((a) => a.value), torch: torchRuns.map((t) => Number(t.tokens_per_s)) };
    if (!args && row.kind === 'lsp') report.note ??= 'no torch counterpart (torch_ref.py has no LSP loop)';
    const jArgs = 'script' in jax ? jaxArgs(row) : undefined;
    if (jArgs && 'script' in jax) {
      try {
        report.jax = await runJaxRef(jax, jArgs);
        jax.version = String(report.jax['jax']);
        const jv = Number(report.jax['tokens_per_s']);
        if (report.agon && jv > 0) report.jaxRatio = report.agon.value / jv;
      } catch (e) {
        report.note = [report.note, (e as Error).message.split('\n')[0]].filter(Boolean).join('; ');
      }
    }
    rows.push(report);
    progress(`${row.model} ${row.backend} ${row.label}: ${report.agon ? `${report.agon.value.toFixed(row.kind === 'lsp' ? 2 : 0)} ${report.agon.unit}` : 'failed'}${report.ratio ? ` (${report.ratio.toFixed(2)}× torch)` : ''}${report.jaxRatio ? ` (${report.jaxRatio.toFixed(2)}× jax-js)` : ''}`);
  }
  machine.loadAverageEnd = os.loadavg();
  return { machine, torch, jax, isolated, quick, notes, rows, seconds: (performance.now() - t0) / 1000 };
}

/** The run whose `value` is the median of all (the lower middle one of an even count); undefined for none. */
function middle<T>(runs: readonly T[], value: (r: T) => number): T | undefined {
  const sorted = [...runs].sort((a, b) => value(a) - value(b));
  return sorted[(sorted.length - 1) >> 1];
}

/** The CPU model line of /proc/cpuinfo where os.cpus() has none (some VMs). */
export function cpuModelName(): string {
  const fromOs = os.cpus()[0]?.model;
  if (fromOs && fromOs !== 'unknown') return fromOs;
  try {
    return /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
