import * as tf from '@tensorflow/tfjs-core';
import type { BackendProvider } from './provider.js';

/** Plain JavaScript through `@tensorflow/tfjs-backend-cpu`: always available, slowest. */
export const cpuProvider: BackendProvider = {
  name: 'cpu',
  autoPriority: 0,
  async isAvailable() {
    return true;
  },
  async init() {
    await import('@tensorflow/tfjs-backend-cpu');
    return {};
  },
};

/**
 * The cpu backend prints a "install tfjs-node" hint on first use in Node; agon picks cpu on
 * purpose (or as a last resort, said in initBackend's reason), so the hint is switched off.
 */
export function silenceCpuHint(): void {
  const b = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (b && 'firstUse' in b) b.firstUse = false;
}
