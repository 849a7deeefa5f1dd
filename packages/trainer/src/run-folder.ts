/**
 * The run folder: config.json, metrics.jsonl (one line per step), samples.jsonl (each step's queries
 * and answers with rewards and advantages), summary.json, report.html, checkpoints/.
 *
 * The two logs are append-only: each step appends whole lines with one write, and on resume every
 * line after the checkpoint's step (including a torn last line) is dropped, so a resumed run's logs
 * equal an uninterrupted run's. Every other file is written atomically (temp file + rename).
 */
import type { MetricsSink, SampleRow } from '@agon/core';
import { readText, type RunIO } from './io/run-io.js';

/**
 * Memory of one step, named like the metrics (`group/name`): the most tensor bytes held at once
 * during it (weights included), the process's resident memory at its end and the process's peak so
 * far (Node only: a browser tells a page neither), in MB (2^20 bytes), and the live tensor count.
 *
 * @example
 * ```ts
 * const m: MemoryUse = { 'memory/peakTensorMb': 412.5, 'memory/rssMb': 980, 'memory/maxRssMb': 1210, 'memory/tensors': 118 };
 * ```
 */
export interface MemoryUse {
  'memory/peakTensorMb': number;
  /** Absent outside Node. */
  'memory/rssMb'?: number;
  /** Absent outside Node. */
  'memory/maxRssMb'?: number;
  /** Live tensors at the end of the step (flat over a run unless something leaks). */
  'memory/tensors': number;
}

/**
 * One line of metrics.jsonl: the step, its metrics, and beside them wall-clock seconds and the
 * step's memory (`memory/rssMb`, `memory/tensors`, …) — kept out of `metrics` because they are the
 * only fields that differ between two identical runs. Lines of runs recorded without memory have
 * no `memory/…` fields.
 *
 * @example
 * ```ts
 * const line: MetricsLine = { step: 3, metrics: { loss: 0.1 }, seconds: 12.5, 'memory/rssMb': 300, 'memory/tensors': 90 };
 * ```
 */
export interface MetricsLine extends Partial<MemoryUse> {
  step: number;
  metrics: Record<string, number | null>;
  seconds: number;
}

/**
 * A {@link MetricsSink} writing metrics.jsonl and samples.jsonl into the run folder. `write`
 * queues; the lines reach storage in order, and `flush`/`close` wait for them.
 *
 * @example
 * ```ts
 * const sink = runFolderSink(nodeRunIO('runs/a'), () => performance.now() / 1000);
 * sink.write(1, { loss: 0.5 }, []);
 * await sink.close();
 * ```
 */
export function runFolderSink(io: RunIO, seconds: () => number, memory?: () => MemoryUse): MetricsSink & { flush(): Promise<void> } {
  let chain: Promise<void> = Promise.resolve();
  return {
    write(step, metrics, samples) {
      // JSON has no NaN: a metric that is undefined for this step (e.g. no valid query) is null.
      const clean = Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, Number.isFinite(v) ? v : null]));
      const line: MetricsLine = { step, metrics: clean, seconds: seconds(), ...(memory ? memory() : {}) };
      const m = `${JSON.stringify(line)}\n`;
      const s = (samples ?? []).map((r) => `${JSON.stringify(r)}\n`).join('');
      chain = chain.then(async () => {
        await io.append('metrics.jsonl', m);
        if (s) await io.append('samples.jsonl', s);
      });
    },
    flush: () => chain,
    close: () => chain,
  };
}

/**
 * Reads metrics.jsonl (missing file: no lines; a torn last line is ignored).
 *
 * @example
 * ```ts
 * const lines = await readMetrics(nodeRunIO('runs/a'));
 * ```
 */
export async function readMetrics(io: RunIO): Promise<MetricsLine[]> {
  return (await readLines(io, 'metrics.jsonl')).map((l) => JSON.parse(l) as MetricsLine);
}

/**
 * Reads samples.jsonl (missing file: no rows; a torn last line is ignored).
 *
 * @example
 * ```ts
 * const rows = await readSamples(nodeRunIO('runs/a'));
 * ```
 */
export async function readSamples(io: RunIO): Promise<SampleRow[]> {
  return (await readLines(io, 'samples.jsonl')).map((l) => JSON.parse(l) as SampleRow);
}

async function readLines(io: RunIO, path: string): Promise<string[]> {
  const text = await readText(io, path);
  if (text === null) return [];
  const lines = text.split('\n');
  lines.pop(); // the text after the last newline: empty, or a torn line from a crash
  return lines;
}

/**
 * Drops log lines of steps after `step` (resume from the checkpoint of `step`).
 *
 * @example
 * ```ts
 * await truncateLogs(io, 10);
 * ```
 */
export async function truncateLogs(io: RunIO, step: number): Promise<void> {
  for (const name of ['metrics.jsonl', 'samples.jsonl']) {
    const kept = (await readLines(io, name)).filter((l) => (JSON.parse(l) as { step: number }).step <= step);
    await io.writeAtomic(name, kept.map((l) => `${l}\n`).join(''));
  }
}
