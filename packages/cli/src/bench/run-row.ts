/**
 * Runs one benchmark row in this process: starts the row's backend, loads the model, measures,
 * frees everything, and reports peak RSS (this process's, so a row is only clean in a fresh
 * process — see run.ts) and the tensors left over (must be none).
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agon/tensor';
import { measureDecode, measureLsp, measureTrain, type KernelTimes } from './measure.js';
import { loadBenchModel } from './models.js';
import type { BenchRow } from './plan.js';

/**
 * agon's numbers for one row.
 *
 * @example
 * ```ts
 * const r: AgonResult = { value: 5000, unit: 'tokens/s', peakRssMb: 210, peakTensorMb: 3.1, backendDetail: 'simd on', extra: {}, kernels: {}, kernelMsTotal: 0 };
 * ```
 */
export interface AgonResult {
  value: number;
  unit: 'tokens/s' | 's';
  /** Peak resident memory of the process (MiB) when the row finished. */
  peakRssMb: number;
  /** Peak bytes held by tensors during the warm-up pass (MiB). */
  peakTensorMb: number;
  /** initBackend's reason line (SIMD, threads, adapter). */
  backendDetail: string;
  extra: Record<string, number>;
  /** The 12 most expensive kernels of the profiled warm-up. */
  kernels: KernelTimes;
  /** Milliseconds in all kernels of the profiled warm-up. */
  kernelMsTotal: number;
}

const MB = 1024 * 1024;

/**
 * Measures `row` here and now.
 *
 * @throws when the backend cannot start or the row leaks tensors.
 * @example
 * ```ts
 * const r = await runRowInProcess({ model: 'stories260K', backend: 'wasm', kind: 'decode', label: 'decode b1', decode: { batch: 1, promptLen: 16, newTokens: 32 } });
 * ```
 */
export async function runRowInProcess(row: BenchRow): Promise<AgonResult> {
  const info = await initBackend({ backend: row.backend });
  const before = tf.memory().numTensors;
  const loaded = await loadBenchModel(row.model);
  let m;
  try {
    if (row.kind === 'decode' && row.decode) m = await measureDecode(loaded, row.decode);
    else if (row.kind === 'train' && row.train) m = await measureTrain(loaded, row.train);
    else if (row.kind === 'lsp' && row.lsp) m = await measureLsp(loaded, row.lsp);
    else throw new Error(`bench: row '${row.label}' has no shape for kind '${row.kind}'`);
  } finally {
    loaded.model.dispose();
  }
  const left = tf.memory().numTensors - before;
  if (left !== 0) throw new Error(`bench: row ${row.model} ${row.backend} '${row.label}' leaked ${left} tensor(s)`);
  const top = Object.entries(m.kernels).sort((a, b) => b[1].ms - a[1].ms).slice(0, 12);
  return {
    value: m.value,
    unit: m.unit,
    peakRssMb: process.resourceUsage().maxRSS / 1024, // maxRSS is in KiB
    peakTensorMb: m.peakTensorBytes / MB,
    backendDetail: info.reason,
    extra: m.extra,
    kernels: Object.fromEntries(top),
    kernelMsTotal: Object.values(m.kernels).reduce((a, k) => a + k.ms, 0),
  };
}
