// Starting the backend through @agon/tensor's registry: mode reporting, refusal of a mode that
// cannot run here, kernels compiled once per shape, and restart after release.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { backendProviders, initBackend, registerBackendProvider, releaseBackend } from '@agon/tensor';
import { GPUJS_MODES, gpujsInfo, gpujsProvider, registerGpujsProvider } from '../src/index.js';
import { noLeaks, requiredMode, startGpujs } from './helpers.js';

describe('gpujs provider', () => {
  let reason = '';
  beforeAll(async () => {
    ({ reason } = await startGpujs());
  });
  afterAll(async () => {
    await releaseBackend('gpujs');
  });

  it('is selected by initBackend and reports the gpu.js mode it got', () => {
    expect(tf.getBackend()).toBe('gpujs');
    const info = gpujsInfo();
    expect(info).toBeDefined();
    expect(GPUJS_MODES).toContain(info!.mode);
    expect(reason).toContain(`gpu.js mode '${info!.mode}'`);
    console.log(`gpujs backend: ${reason}`);
  });

  it('runs in the mode CI requires (headlessgl under xvfb-run; AGON_GPUJS_MODE overrides)', () => {
    const want = requiredMode();
    if (want === 'auto') {
      // Not required here: a machine without X legitimately gets webasm or cpu.
      expect(GPUJS_MODES).toContain(gpujsInfo()!.mode);
    } else {
      expect(gpujsInfo()!.mode).toBe(want);
    }
  });

  it('is not picked by auto mode unless given a priority', () => {
    const p = backendProviders().find((q) => q.name === 'gpujs');
    expect(p?.autoPriority).toBeUndefined();
  });

  it('compiles a kernel once per operation and shape, and reuses it', () =>
    noLeaks(async () => {
      const a = tf.tensor2d(Float32Array.from({ length: 6 * 11 }, (_, i) => i / 7), [6, 11]);
      const b = tf.tensor2d(Float32Array.from({ length: 11 * 3 }, (_, i) => 1 - i / 5), [11, 3]);
      const start = gpujsInfo()!;
      const y1 = tf.matMul(a, b);
      const afterFirst = gpujsInfo()!;
      const y2 = tf.matMul(a, b);
      const afterSecond = gpujsInfo()!;
      const y3 = tf.matMul(b, a, true, true); // a new shape/transposition: a new kernel
      const afterThird = gpujsInfo()!;
      expect(afterFirst.kernelsCompiled).toBe(start.kernelsCompiled + 1);
      expect(afterSecond.kernelsCompiled).toBe(afterFirst.kernelsCompiled);
      expect(afterSecond.kernelRuns).toBe(afterFirst.kernelRuns + 1);
      expect(afterThird.kernelsCompiled).toBe(afterSecond.kernelsCompiled + 1);
      expect(Array.from(await y2.data())).toEqual(Array.from(await y1.data()));
      tf.dispose([a, b, y1, y2, y3]);
    }));

  it('keeps tensors on cpu usable: data moves to gpujs when an op needs it', () =>
    noLeaks(async () => {
      await initBackend({ backend: 'cpu' });
      const x = tf.tensor1d([1, 2, 3]);
      await initBackend({ backend: 'gpujs' });
      const y = tf.mul(x, x);
      expect(Array.from(await y.data())).toEqual([1, 4, 9]);
      tf.dispose([x, y]);
    }));
});

describe('gpujs provider failures and restart', () => {
  afterAll(async () => {
    await releaseBackend('gpujs');
    registerGpujsProvider({ mode: requiredMode() });
  });

  it('rejects an unknown mode or priority when the provider is made, listing the valid ones', () => {
    expect(() => gpujsProvider({ mode: 'webgpu' as never })).toThrow(
      "gpujsProvider: options.mode is 'webgpu'; expected 'auto' or one of 'headlessgl', 'webgl2', 'webgl', 'webasm', 'cpu'",
    );
    expect(() => gpujsProvider({ autoPriority: Number.NaN })).toThrow(/options\.autoPriority is NaN; expected a finite number/);
  });

  it('refuses a mode that cannot run here, saying why', async () => {
    // Neither browser mode exists in Node.
    const p = gpujsProvider({ mode: 'webgl2' });
    const ok = await p.isAvailable({ allowSoftwareGpu: false, isNode: true });
    expect(ok).toMatch(/gpu\.js mode 'webgl2': WebGL2 is not available here/);
    registerBackendProvider(p);
    await expect(initBackend({ backend: 'gpujs' })).rejects.toThrow(/backend 'gpujs' cannot start here: gpu\.js mode 'webgl2'/);
  });

  it('init twice without release replaces the backend, which then computes', () =>
    noLeaks(async () => {
      const p = gpujsProvider({ mode: requiredMode() });
      const ctx = { allowSoftwareGpu: false, isNode: true };
      await p.init(ctx);
      await tf.setBackend('gpujs'); // a live backend on the first gpu.js instance
      await p.init(ctx); // removes that backend, then destroys the instance; its factory must not survive
      await tf.setBackend('gpujs');
      const x = tf.tensor1d([1, 2]);
      const y = tf.square(x);
      expect(Array.from(await y.data())).toEqual([1, 4]);
      expect(gpujsInfo()!.kernelRuns).toBe(1);
      tf.dispose([x, y]);
      tf.removeBackend('gpujs');
      await p.release?.();
    }));

  it('starts again after releaseBackend, with a fresh kernel cache', () =>
    noLeaks(async () => {
      registerGpujsProvider({ mode: requiredMode() });
      await initBackend({ backend: 'gpujs' });
      const x = tf.tensor1d([1, 2]);
      const y = tf.exp(x);
      await y.data();
      tf.dispose([x, y]);
      await releaseBackend('gpujs');
      expect(gpujsInfo()).toBeUndefined();
      await initBackend({ backend: 'gpujs' });
      expect(gpujsInfo()!.kernelsCompiled).toBe(0);
      const z = tf.tensor1d([0]);
      const e = tf.exp(z);
      expect(Array.from(await e.data())).toEqual([1]);
      expect(gpujsInfo()!.kernelsCompiled).toBe(1);
      tf.dispose([z, e]);
    }));
});
