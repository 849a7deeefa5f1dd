// watchPeakTensorBytes sees a transient allocation that is freed before anyone reads tf.memory(),
// starts a new window on reset, lets two watches run at once, and unhooks the engine when the
// last one stops.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, watchPeakTensorBytes } from '../src/index.js';
import { expectNoLeaks } from '../src/testing/index.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

it('records a freed transient, resets, nests, and unhooks', async () => {
  await expectNoLeaks(() => {
    const engine = tf.engine() as unknown as { trackTensor: unknown };
    const original = engine.trackTensor;
    const base = tf.memory().numBytes;
    const outer = watchPeakTensorBytes();
    tf.tidy(() => void tf.add(tf.ones([256, 1024]), 1)); // two 1 MB tensors at once, freed at once
    expect(tf.memory().numBytes).toBe(base);
    expect(outer.peak() - base).toBeGreaterThanOrEqual(2 * 2 ** 20);
    const inner = watchPeakTensorBytes();
    tf.tidy(() => void tf.ones([64, 1024])); // 256 KB
    expect(inner.peak() - base).toBe(2 ** 18);
    outer.reset();
    expect(outer.peak()).toBe(base);
    inner.stop();
    expect(engine.trackTensor).not.toBe(original);
    outer.stop();
    outer.stop();
    expect(engine.trackTensor).toBe(original);
  });
});
