/**
 * `agon bench`: decode and training tokens/s, one LSP iteration, peak RSS and peak tensor bytes,
 * for stories260K and a 15M-class model on every backend present, side by side with PyTorch
 * (tools/torch_ref.py) and @jax-js/jax (tools/jax_ref.mjs) on the same shapes. See docs/benchmarks.md.
 */
import { BENCH_MODELS, DEFAULT_BENCH_MODELS, type BenchModelName } from '../bench/models.js';
import type { BenchRow } from '../bench/plan.js';
import { runRowInProcess } from '../bench/run-row.js';
import { runBench } from '../bench/run.js';
import { formatKernels, formatReport } from '../bench/table.js';
import { numberFlag, parseFlags } from '../args.js';
import { UsageError, type CliIO } from '../io.js';

/** Flags of `agon bench`, shown by `agon bench --help`. */
export const BENCH_HELP = [
  'usage: agon bench [--quick] [--json] [--backends LIST] [--models LIST] [--workloads LIST] [--profile]',
  '                  [--rounds N] [--no-torch] [--python PATH] [--torch-ref PATH] [--torch-threads N] [--no-jax] [--inline]',
  '',
  '  --quick            tiny shapes (seconds), to check the harness',
  '  --json             print one JSON object (the whole report) instead of the table',
  '  --backends LIST    comma-separated, default wasm,cpu,webgpu (those present)',
  `  --models LIST      comma-separated of ${BENCH_MODELS.join(', ')} (default ${DEFAULT_BENCH_MODELS.join(', ')})`,
  '  --workloads LIST   comma-separated of decode, train, lsp (default all)',
  '  --profile          also print per-kernel times of each row\'s profiled warm-up pass',
  '  --scaling          LSP iteration time vs N, G and tokens per role (first of --models, on --backends)',
  '  --rounds N         run each row and its PyTorch peer alternately N times, report the medians (default 1)',
  '  --no-torch         skip the PyTorch column',
  '  --python PATH      python with torch (default /opt/torch2/bin/python, then /usr/bin/python3)',
  '  --torch-ref PATH   torch_ref.py (default tools/torch_ref.py of the repository)',
  '  --torch-threads N  torch threads (default: the number of CPUs)',
  '  --no-jax           skip the @jax-js/jax column (tools/jax_ref.mjs; stories260K training rows on wasm)',
  '  --inline           run every row in this process (default: one process per row when built)',
];

const FLAGS = {
  quick: { type: 'boolean' },
  json: { type: 'boolean' },
  backends: { type: 'string' },
  models: { type: 'string' },
  workloads: { type: 'string' },
  profile: { type: 'boolean' },
  scaling: { type: 'boolean' },
  'no-torch': { type: 'boolean' },
  'no-jax': { type: 'boolean' },
  python: { type: 'string' },
  'torch-ref': { type: 'string' },
  'torch-threads': { type: 'string' },
  rounds: { type: 'string' },
  inline: { type: 'boolean' },
  row: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const WORKLOADS: readonly BenchRow['kind'][] = ['decode', 'train', 'lsp'];

function list(raw: string | boolean | undefined): string[] | undefined {
  return typeof raw === 'string' ? raw.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
}

/**
 * Runs `agon bench` with `args` (the words after `bench`) and returns the exit code: 0 when every
 * row ran, 1 when one failed (the table says which and why).
 *
 * @example
 * ```ts
 * const code = await runBenchCommand(['--quick', '--json', '--backends', 'wasm'], processIO);
 * ```
 */
export async function runBenchCommand(args: readonly string[], io: CliIO): Promise<number> {
  const f = parseFlags('bench', args, FLAGS);
  if (f.help) {
    for (const l of BENCH_HELP) io.out(l);
    return 0;
  }
  if (typeof f.row === 'string') {
    // Internal: one row in this (fresh) process, for the parent's peak-RSS isolation.
    io.out(JSON.stringify(await runRowInProcess(JSON.parse(f.row) as BenchRow)));
    return 0;
  }
  const models = list(f.models);
  for (const m of models ?? []) {
    if (!(BENCH_MODELS as readonly string[]).includes(m)) throw new UsageError(`bench: --models: unknown model '${m}'; known: ${BENCH_MODELS.join(', ')}`);
  }
  const workloads = list(f.workloads);
  for (const w of workloads ?? []) {
    if (!(WORKLOADS as readonly string[]).includes(w)) throw new UsageError(`bench: --workloads: unknown workload '${w}'; known: ${WORKLOADS.join(', ')}`);
  }
  const backends = list(f.backends) ?? (f.scaling ? ['wasm'] : undefined);
  if (backends && backends.length === 0) throw new UsageError('bench: --backends must name at least one backend, e.g. wasm');
  const report = await runBench({
    quick: f.quick === true,
    scaling: f.scaling === true,
    backends,
    models: models as BenchModelName[] | undefined,
    workloads: workloads as BenchRow['kind'][] | undefined,
    torch: f['no-torch'] !== true,
    jax: f['no-jax'] !== true,
    python: typeof f.python === 'string' ? f.python : undefined,
    torchRef: typeof f['torch-ref'] === 'string' ? f['torch-ref'] : undefined,
    torchThreads: numberFlag('bench', 'torch-threads', f['torch-threads'], { min: 1, integer: true }),
    rounds: numberFlag('bench', 'rounds', f.rounds, { min: 1, integer: true }),
    isolate: f.inline ? 'inline' : 'auto',
    progress: f.json ? undefined : (line) => io.err(line),
  });
  if (f.json) io.out(JSON.stringify(report));
  else {
    for (const l of formatReport(report)) io.out(l);
    if (f.profile) for (const l of formatKernels(report)) io.out(l);
  }
  if (report.rows.length === 0) {
    io.err('agon: bench: no rows ran (no backend present?)');
    return 1;
  }
  return report.rows.every((r) => r.agon) ? 0 : 1;
}
