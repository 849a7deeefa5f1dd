/**
 * The human-readable form of a {@link BenchReport}: a Markdown table (pasted as is into
 * docs/benchmarks.md) with agon, PyTorch and their ratio per row, then the machine and notes.
 */
import type { BenchReport, RowReport } from './run.js';

function fmt(v: number | undefined, digits = 0): string {
  return v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);
}

/** A tokens/s figure with two significant digits at least (the real shapes run a few tokens/s). */
function rate(v: number | undefined): string {
  return fmt(v, v === undefined || v >= 100 ? 0 : v >= 10 ? 1 : 2);
}

function agonCell(r: RowReport): string {
  if (!r.agon) return 'failed';
  return r.agon.unit === 's' ? `${fmt(r.agon.value, 2)} s` : rate(r.agon.value);
}

/**
 * Lines of the report: the table, then the machine, the peer and notes. Decode rows carry the
 * backend reads (host round trips) and kernels dispatched per decoding step (one token a row).
 *
 * @example
 * ```ts
 * for (const line of formatReport(await runBench({ quick: true }))) console.log(line);
 * ```
 */
export function formatReport(report: BenchReport): string[] {
  const lines = [
    '| model | backend | workload | agon | PyTorch | agon / PyTorch | jax-js | agon / jax-js | agon peak RSS MB | PyTorch peak RSS MB | agon peak tensor MB | host reads / step | ops / step |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of report.rows) {
    const unit = r.row.kind === 'lsp' ? '' : ' tok/s';
    lines.push(
      `| ${r.row.model} | ${r.row.backend} | ${r.row.label}${unit} | ${agonCell(r)} | ${r.torch ? rate(Number(r.torch.tokens_per_s)) : '–'} | ${r.ratio !== undefined ? `${r.ratio.toFixed(2)}×` : '–'} | ${r.jax ? rate(Number(r.jax['tokens_per_s'])) : '–'} | ${r.jaxRatio !== undefined ? `${r.jaxRatio.toFixed(2)}×` : '–'} | ${fmt(r.agon?.peakRssMb)} | ${r.torch ? fmt(Number(r.torch.peak_rss_mb)) : '–'} | ${fmt(r.agon?.peakTensorMb, 1)} | ${fmt(r.agon?.extra.readsPerTokenStep)} | ${fmt(r.agon?.extra.opsPerTokenStep)} |`,
    );
  }
  const m = report.machine;
  lines.push(
    '',
    `machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGb.toFixed(1)} GiB, Node ${m.node}; load average ${m.loadAverageStart.map((x) => x.toFixed(2)).join(' ')} at start, ${m.loadAverageEnd.map((x) => x.toFixed(2)).join(' ')} at end`,
    'python' in report.torch
      ? `PyTorch peer: torch ${report.torch.torch} (${report.torch.python} ${report.torch.script})`
      : `PyTorch peer: none — ${report.torch.skipped}`,
    'script' in report.jax
      ? `jax-js peer: @jax-js/jax ${report.jax.version ?? '(not run: no row has a counterpart)'} on its wasm device (${report.jax.script}; stories260K training rows only)`
      : `jax-js peer: none — ${report.jax.skipped}`,
    `rows ${report.isolated ? 'each in a fresh process' : 'in one process (peak RSS accumulates)'}; ${report.seconds.toFixed(0)} s in all`,
  );
  const backends = new Map(report.rows.flatMap((r) => (r.agon ? [[r.row.backend, r.agon.backendDetail] as const] : [])));
  for (const [b, detail] of backends) lines.push(`${b}: ${detail}`);
  for (const n of report.notes) lines.push(`note: ${n}`);
  for (const r of report.rows) if (r.note) lines.push(`note: ${r.row.model} ${r.row.backend} ${r.row.label}: ${r.note}`);
  for (const r of report.rows) {
    const prompt = r.row.decode?.promptLen ?? 0;
    if (prompt < PREFILL_REPORTED || !r.agon) continue;
    const torch = r.torch ? `, PyTorch ${rate(Number(r.torch.prefill_tokens_per_s))} tok/s` : '';
    lines.push(`prefill: ${r.row.model} ${r.row.backend} ${r.row.label}: ${prompt} prompt tokens, agon ${rate(r.agon.extra.prefillTokensPerS)} tok/s${torch}`);
  }
  for (const r of report.rows) {
    if (!r.rounds) continue;
    const unit = r.row.kind === 'lsp' ? ' s' : ' tok/s';
    const each = (xs: number[]) => xs.map((x) => (r.row.kind === 'lsp' ? x.toFixed(2) : rate(x))).join(', ');
    lines.push(`rounds: ${r.row.model} ${r.row.backend} ${r.row.label}: agon ${each(r.rounds.agon)}${unit}${r.rounds.torch.length ? `; PyTorch ${each(r.rounds.torch)} tok/s` : ''} (medians in the table)`);
  }
  for (const r of report.rows) {
    const e = r.agon?.extra;
    if (r.row.kind !== 'lsp' || !e || !(e.iterations > 1)) continue;
    lines.push(`lsp: ${r.row.model} ${r.row.backend} ${r.row.label}: median of ${e.iterations} iterations after a warm-up, ${e.secondsMin.toFixed(2)}–${e.secondsMax.toFixed(2)} s`);
  }
  return lines;
}

/** Prompts at least this long get a prefill line (shorter ones take milliseconds: noise). */
const PREFILL_REPORTED = 64;

/**
 * Per-kernel time of every row's profiled warm-up pass, most expensive first (`--profile`).
 *
 * @example
 * ```ts
 * formatKernels(report).forEach((l) => console.log(l));
 * ```
 */
export function formatKernels(report: BenchReport): string[] {
  const lines: string[] = [];
  for (const r of report.rows) {
    if (!r.agon) continue;
    const entries = Object.entries(r.agon.kernels);
    const total = r.agon.kernelMsTotal;
    lines.push('', `${r.row.model} ${r.row.backend} ${r.row.label}: top kernels of the profiled warm-up (${total.toFixed(0)} ms in all kernels)`);
    for (const [name, k] of entries) lines.push(`  ${name.padEnd(28)} ${String(k.calls).padStart(7)} calls ${k.ms.toFixed(1).padStart(10)} ms ${((100 * k.ms) / total).toFixed(1).padStart(5)}%`);
  }
  return lines;
}
