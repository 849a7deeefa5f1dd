/**
 * The playground's one run folder in the origin-private file system, as the page reads it: what a
 * reloaded page finds there, and its files as downloads.
 */
import type { SampleRow } from '@agon/core';
import { checkpointName, listCheckpoints, opfsRunIO, readMetrics, readSamples, type MetricsLine, type RunIO } from '@agon/trainer';

/** The run folder under the origin-private file system. */
export const RUN_DIR = 'playground/run';

/** A run folder found in OPFS. */
export interface SavedRun {
  /** config.json as the trainer wrote it. */
  config: Record<string, unknown>;
  lines: MetricsLine[];
  samples: SampleRow[];
  /** Newest checkpoint's step (0 when none). */
  checkpointStep: number;
  /** summary.json exists: the run ended (its model exported). */
  finished: boolean;
  summary?: { eval?: { before: number; after: number } };
  /** Held-out accuracy before training, from summary.json or the newest checkpoint. */
  evalBefore?: number;
}

const text = async (io: RunIO, p: string) => {
  const b = await io.read(p);
  return b && new TextDecoder().decode(b);
};

/** The run folder's state, or null when there is none. */
export async function savedRun(): Promise<SavedRun | null> {
  const io = await opfsRunIO(RUN_DIR);
  const config = await text(io, 'config.json');
  if (config === null) return null;
  const steps = await listCheckpoints(io);
  const summary = await text(io, 'summary.json');
  const newest = steps[steps.length - 1] ?? 0;
  const parsed = summary ? (JSON.parse(summary) as SavedRun['summary']) : undefined;
  // the newest checkpoint's state (loadCheckpoint would also restore tensors; only this number is wanted)
  const state = newest ? await text(io, `checkpoints/${checkpointName(newest)}/state.json`) : null;
  const before = parsed?.eval?.before ?? (state ? (JSON.parse(state) as { evalBefore?: number }).evalBefore : undefined);
  return {
    config: JSON.parse(config) as Record<string, unknown>,
    lines: await readMetrics(io),
    samples: await readSamples(io),
    checkpointStep: newest,
    ...(before !== undefined ? { evalBefore: before } : {}),
    finished: summary !== null,
    ...(parsed ? { summary: parsed } : {}),
  };
}

/** A file the run folder offers for download. */
export interface RunFile {
  /** Path in the run folder (`model/model.safetensors`). */
  path: string;
  bytes: number;
}

/** The files worth taking away: the logs, the report, the config and summary, the exported model or adapter. */
export async function runFiles(): Promise<RunFile[]> {
  const io = await opfsRunIO(RUN_DIR);
  const out: RunFile[] = [];
  const add = async (p: string) => {
    const b = await io.read(p);
    if (b) out.push({ path: p, bytes: b.byteLength });
  };
  for (const p of ['metrics.jsonl', 'samples.jsonl', 'report.html', 'config.json', 'summary.json']) await add(p);
  for (const dir of ['model', 'adapter']) for (const n of (await io.list(dir)).sort()) await add(`${dir}/${n}`);
  return out;
}

const TYPES: Record<string, string> = { html: 'text/html', json: 'application/json', jsonl: 'application/jsonl' };

/** Saves the run folder's file `path` through the browser's download. */
export async function download(path: string): Promise<void> {
  const io = await opfsRunIO(RUN_DIR);
  const bytes = await io.read(path);
  if (!bytes) throw new Error(`opfs:${RUN_DIR}/${path}: not there (the run has not written it yet)`);
  const ext = path.split('.').pop() ?? '';
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: TYPES[ext] ?? 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = path.replace(/\//g, '-');
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
