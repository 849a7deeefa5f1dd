/**
 * Peak tensor memory: the largest `tf.memory().numBytes` seen since a watch began or was reset,
 * from a hook on the engine's tensor registration (every allocation passes through it), so short
 * peaks inside a kernel sequence count too.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * A running peak of tensor bytes.
 *
 * @example
 * ```ts
 * const w = watchPeakTensorBytes();
 * w.peak(); // bytes
 * w.stop();
 * ```
 */
export interface PeakWatch {
  /** Largest tensor bytes held at once since the watch began or the last reset. */
  peak(): number;
  /** Starts a new window from the bytes held now. */
  reset(): void;
  /** Ends this watch (the hook goes when the last watch stops). Safe to call twice. */
  stop(): void;
}

interface TrackingEngine {
  trackTensor(...a: unknown[]): void;
  state: { numBytes: number };
}

const watches = new Set<{ peak: number }>();
let original: TrackingEngine['trackTensor'] | undefined;

function install(engine: TrackingEngine): void {
  if (original) return;
  const track = engine.trackTensor;
  original = track;
  engine.trackTensor = function (this: TrackingEngine, ...a: unknown[]) {
    track.apply(this, a);
    const n = this.state.numBytes;
    for (const w of watches) if (n > w.peak) w.peak = n;
  };
}

/**
 * Starts watching the peak of tensor bytes held at once (weights included).
 *
 * @example
 * ```ts
 * const w = watchPeakTensorBytes();
 * tf.tidy(() => tf.matMul(tf.ones([512, 512]), tf.ones([512, 512])));
 * console.log(w.peak() / 2 ** 20, 'MB'); // ≥ 3 MB
 * w.stop();
 * ```
 */
export function watchPeakTensorBytes(): PeakWatch {
  const engine = tf.engine() as unknown as TrackingEngine;
  const w = { peak: tf.memory().numBytes };
  watches.add(w);
  install(engine);
  return {
    peak: () => Math.max(w.peak, tf.memory().numBytes),
    reset: () => void (w.peak = tf.memory().numBytes),
    stop: () => {
      watches.delete(w);
      if (watches.size === 0 && original) {
        engine.trackTensor = original;
        original = undefined;
      }
    },
  };
}
