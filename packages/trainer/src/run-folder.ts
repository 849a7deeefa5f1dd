/**
 * The run folder: config.json, metrics.jsonl (one line per step), samples.jsonl (each step's queries
 * and answers with rewards and advantages), summary.json, report.html, checkpoints/.
 *
 * The two logs are append-only: each step appends whole lines with one write, and on resume every
 * line after the checkpoint's step (including a torn last line) is dropped, so a resumed run's logs
 * equal an uninterrupted run's. Every other file is written atomically (temp file + rename).
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MetricsSink, SampleRow } from '@agon/core';
import { writeFileAtomic } from '@agon/models';

/**
 * Memory of one step: the most tensor bytes held at once during it (weights included), the
 * process's resident memory at its end and the process's peak so far, in MB (2^20 bytes).
 *
 * @example
 * ```ts
 * const m: MemoryUse = { peakTensorMB: 412.5, rssMB: 980, maxRssMB: 1210 };
 * ```
 */
export interface MemoryUse {
  peakTensorMB: number;
  rssMB: number;
  maxRssMB: number;
}

/**
 * One line of metrics.jsonl: the step, its metrics, and wall-clock seconds and memory kept apart
 * (they are the only fields that differ between two identical runs).
 *
 * @example
 * ```ts
 * const line: MetricsLine = { step: 3, metrics: { loss: 0.1 }, seconds: 12.5, memory: { peakTensorMB: 40, rssMB: 300, maxRssMB: 310 } };
 * ```
 */
export interface MetricsLine {
  step: number;
  metrics: Record<string, number | null>;
  seconds: number;
  /** Absent in lines written before memory was recorded. */
  memory?: MemoryUse;
}

/**
 * A {@link MetricsSink} writing metrics.jsonl and samples.jsonl under `dir`. `write` queues; the
 * lines reach disk in order, and `flush`/`close` wait for them.
 *
 * @example
 * ```ts
 * const sink = runFolderSink('runs/a', () => performance.now() / 1000);
 * sink.write(1, { loss: 0.5 }, []);
 * await sink.close();
 * ```
 */
export function runFolderSink(dir: string, seconds: () => number, memory?: () => MemoryUse): MetricsSink & { flush(): Promise<void> } {
  let chain: Promise<void> = mkdir(dir, { recursive: true }).then(() => undefined);
  const enqueue = (f: () => Promise<void>) => {
    chain = chain.then(f);
  };
  return {
    write(step, metrics, samples) {
      // JSON has no NaN: a metric that is undefined for this step (e.g. no valid query) is null.
      const clean = Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, Number.isFinite(v) ? v : null]));
      const line: MetricsLine = { step, metrics: clean, seconds: seconds(), ...(memory ? { memory: memory() } : {}) };
      const m = `${JSON.stringify(line)}\n`;
      const s = (samples ?? []).map((r) => `${JSON.stringify(r)}\n`).join('');
      enqueue(async () => {
        await appendFile(join(dir, 'metrics.jsonl'), m);
        if (s) await appendFile(join(dir, 'samples.jsonl'), s);
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
 * const lines = await readMetrics('runs/a');
 * ```
 */
export async function readMetrics(dir: string): Promise<MetricsLine[]> {
  return (await readLines(join(dir, 'metrics.jsonl'))).map((l) => JSON.parse(l) as MetricsLine);
}

async function readLines(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  const lines = text.split('\n');
  lines.pop(); // the text after the last newline: empty, or a torn line from a crash
  return lines;
}

/**
 * Drops log lines of steps after `step` (resume from the checkpoint of `step`).
 *
 * @example
 * ```ts
 * await truncateLogs('runs/a', 10);
 * ```
 */
export async function truncateLogs(dir: string, step: number): Promise<void> {
  for (const name of ['metrics.jsonl', 'samples.jsonl']) {
    const file = join(dir, name);
    const kept = (await readLines(file)).filter((l) => (JSON.parse(l) as { step: number }).step <= step);
    await writeFileAtomic(file, kept.map((l) => `${l}\n`).join(''));
  }
}

/**
 * Writes `value` as pretty JSON to `dir/name`, atomically.
 *
 * @example
 * ```ts
 * await writeJson('runs/a', 'summary.json', { steps: 10 });
 * ```
 */
export async function writeJson(dir: string, name: string, value: unknown): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, name), `${JSON.stringify(value, null, 2)}\n`);
}

export type { SampleRow };
