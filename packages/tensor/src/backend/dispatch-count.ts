/**
 * Dispatch counters: kernels run through the tfjs engine and reads of the active backend (each a
 * host round trip on a GPU, a copy out of the heap on wasm), from hooks on `engine.runKernel` and
 * on the backend's `read` / `readSync`. Reads a kernel makes of its own inputs, and the
 * `readSync` an async `read` makes underneath, are not counted: only what the caller asked for.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * What a {@link watchDispatches} watch counted.
 *
 * @example
 * ```ts
 * const c: DispatchCounts = { kernels: 210, reads: 1, valuesRead: 3 };
 * ```
 */
export interface DispatchCounts {
  /** Kernels dispatched through `engine.runKernel` (every tfjs op and agon kernel call). */
  kernels: number;
  /** Calls of the backend's `read` / `readSync` made outside kernels (`data()`, `dataSync()`, `array()`…). */
  reads: number;
  /** Numbers those reads returned. */
  valuesRead: number;
}

/**
 * A running count, from when the watch began.
 *
 * @example
 * ```ts
 * const w = watchDispatches();
 * w.counts(); // { kernels, reads, valuesRead }
 * w.stop();
 * ```
 */
export interface DispatchWatch {
  counts(): DispatchCounts;
  /** Ends this watch (the hooks go when the last watch stops). Safe to call twice. */
  stop(): void;
}

type Reader = (...a: unknown[]) => unknown;
interface HookedEngine {
  runKernel: Reader;
  backend: Record<'read' | 'readSync', Reader>;
  state: { kernelDepth: number };
}

const watches = new Set<DispatchCounts>();
let restore: (() => void) | undefined;

function lengthOf(v: unknown): number {
  return v && typeof (v as ArrayLike<unknown>).length === 'number' ? (v as ArrayLike<unknown>).length : 0;
}

function install(engine: HookedEngine): void {
  if (restore) return;
  const backend = engine.backend;
  const { runKernel } = engine;
  const { read, readSync } = backend;
  let reading = 0;
  const counted = (v: unknown) => {
    for (const w of watches) {
      w.reads++;
      w.valuesRead += lengthOf(v);
    }
  };
  engine.runKernel = function (this: unknown, ...a: unknown[]) {
    for (const w of watches) w.kernels++;
    return runKernel.apply(this, a);
  };
  backend.read = async function (this: unknown, ...a: unknown[]) {
    const outside = engine.state.kernelDepth === 0;
    reading++;
    try {
      const v = await read.apply(this, a);
      if (outside) counted(v);
      return v;
    } finally {
      reading--;
    }
  };
  backend.readSync = function (this: unknown, ...a: unknown[]) {
    const v = readSync.apply(this, a);
    if (reading === 0 && engine.state.kernelDepth === 0) counted(v);
    return v;
  };
  restore = () => {
    engine.runKernel = runKernel;
    backend.read = read;
    backend.readSync = readSync;
  };
}

/**
 * Starts counting dispatched kernels and reads of the active backend (start it after the backend).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { watchDispatches } from '@agon/tensor';
 * const w = watchDispatches();
 * const y = tf.add(tf.ones([2]), 1);
 * await y.data();
 * w.counts(); // { kernels: 1, reads: 1, valuesRead: 2 }
 * w.stop();
 * ```
 */
export function watchDispatches(): DispatchWatch {
  const counts: DispatchCounts = { kernels: 0, reads: 0, valuesRead: 0 };
  watches.add(counts);
  install(tf.engine() as unknown as HookedEngine);
  return {
    counts: () => ({ ...counts }),
    stop: () => {
      watches.delete(counts);
      if (watches.size === 0 && restore) {
        restore();
        restore = undefined;
      }
    },
  };
}
