/**
 * What the loop asks of the runtime it runs in — Node, a browser tab or a Web Worker: where log
 * lines go by default and a step's memory.
 */
import * as tf from '@tensorflow/tfjs-core';
import { isNode, type PeakWatch } from '@agon/tensor';
import type { Logger } from './deps.js';
import type { MemoryUse } from './run-folder.js';

/**
 * Stderr in Node (a bar on a terminal); `console.info` elsewhere, one line per step.
 *
 * @example
 * ```ts
 * const progress = progressReporter(deps.progress ?? defaultLogger(), cfg.steps);
 * ```
 */
export function defaultLogger(): Logger {
  if (isNode()) return { write: (s) => process.stderr.write(s), isTTY: process.stderr.isTTY === true };
  return { write: (s) => console.info(s.replace(/\n$/, '')), isTTY: false };
}

/**
 * This step's memory for metrics.jsonl (the process's resident memory only in Node; a browser tells
 * a page none); starts the next step's tensor peak.
 *
 * @example
 * ```ts
 * const sink = runFolderSink(io, seconds, () => stepMemory(peak));
 * ```
 */
export function stepMemory(peak: PeakWatch): MemoryUse {
  const MB = 2 ** 20;
  const use: MemoryUse = {
    'memory/peakTensorMb': Math.round((peak.peak() / MB) * 10) / 10,
    ...(isNode()
      ? {
          'memory/rssMb': Math.round(process.memoryUsage().rss / MB),
          'memory/maxRssMb': Math.round(process.resourceUsage().maxRSS / 1024), // maxRSS is in KiB
        }
      : {}),
    'memory/tensors': tf.memory().numTensors,
  };
  peak.reset();
  return use;
}
