// initBackend: choice and reasons, errors, plug-in providers, adapter classification.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from '@jest/globals';
import {
  backendProviders,
  initBackend,
  isSoftwareAdapter,
  registerBackendProvider,
  releaseBackend,
  type BackendProvider,
} from '../src/index.js';
import { expectNoLeaks, probeBackend } from '../src/testing/index.js';

const webgpuStarts = (await probeBackend('webgpu')) === true;
await releaseBackend('webgpu');

describe('initBackend', () => {
  it('auto picks webgpu only on a hardware adapter, else wasm (the Node default), and says why', async () => {
    const info = await initBackend();
    expect(tf.getBackend()).toBe(info.backend);
    if (info.backend === 'webgpu') {
      expect(info.adapter?.software).toBe(false);
    } else {
      expect(info.backend).toBe('wasm');
      expect(info.reason).toMatch(/^auto: wasm is the best available \(skipped webgpu: .+; webgl: WebGL needs a browser/);
      expect(info.reason).toMatch(/simd (on|off); matMul: agon SIMD GEMM, (\d+ threads for matMul products|one thread)/);
    }
  });

  it('auto with allowSoftwareGpu uses a software WebGPU adapter when that is all there is', async () => {
    if (!webgpuStarts) return; // no adapter at all on this machine: nothing to choose
    const info = await initBackend({ allowSoftwareGpu: true });
    expect(info.backend).toBe('webgpu');
    expect(info.adapter).toBeDefined();
    expect(info.reason).toContain('adapter ');
    await expectNoLeaks(async () => {
      const a = tf.ones([3, 4]);
      const b = tf.ones([4, 2]);
      const y = tf.matMul(a, b);
      expect(Array.from(await y.data())).toEqual([4, 4, 4, 4, 4, 4]);
      tf.dispose([a, b, y]);
    });
    await releaseBackend('webgpu');
    expect(tf.findBackend('webgpu')).toBeNull();
  });

  it('selects a named backend and reports it was requested', async () => {
    const info = await initBackend({ backend: 'cpu' });
    expect(info).toEqual({ backend: 'cpu', reason: "'cpu' was requested", adapter: undefined });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('names the available backends when the requested one cannot start or is unknown', async () => {
    await expect(initBackend({ backend: 'webgl' })).rejects.toThrow(
      /backend 'webgl' cannot start here: WebGL needs a browser \(no WebGL context in Node\)\. Available: .*wasm, cpu/,
    );
    await expect(initBackend({ backend: 'tpu' })).rejects.toThrow(/unknown backend 'tpu'; known: webgpu, webgl, wasm, cpu/);
  });

  it('starts a plug-in provider by name and in auto mode by its priority', async () => {
    // A realistic plug-in: a new tfjs backend name that borrows the cpu backend's kernels, as a
    // gpu.js backend borrows those it does not implement.
    await initBackend({ backend: 'cpu' });
    const cpuBackend = tf.findBackend('cpu')!;
    let available: boolean | string = true;
    const provider: BackendProvider = {
      name: 'plugcpu',
      autoPriority: 100,
      isAvailable: async () => available,
      init: async () => {
        tf.registerBackend('plugcpu', () => {
          const b = new (cpuBackend.constructor as new () => tf.KernelBackend)();
          Object.assign(b, { firstUse: false }); // no "install tfjs-node" hint in the test log
          return b;
        });
        for (const k of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...k, backendName: 'plugcpu' });
        return { detail: 'borrowed cpu kernels' };
      },
    };
    registerBackendProvider('plugcpu', provider);
    expect(backendProviders()[0].name).toBe('plugcpu');
    const named = await initBackend({ backend: 'plugcpu' });
    expect(named.reason).toBe("'plugcpu' was requested; borrowed cpu kernels");
    await expectNoLeaks(async () => {
      const y = tf.tidy(() => tf.add(tf.scalar(2), tf.scalar(3)));
      expect((await y.data())[0]).toBe(5);
      y.dispose();
    });
    expect((await initBackend()).backend).toBe('plugcpu');
    available = 'plug-in switched off';
    const fallback = await initBackend();
    expect(fallback.backend).not.toBe('plugcpu');
    expect(fallback.reason).toContain('skipped plugcpu: plug-in switched off');
    expect(() => registerBackendProvider('other', provider)).toThrow(/name 'other' differs from provider.name 'plugcpu'/);
    registerBackendProvider({ ...provider, isAvailable: async () => Promise.reject(new Error('driver crashed')) });
    expect((await initBackend()).reason).toContain('skipped plugcpu: its availability check failed: driver crashed');
    await expect(initBackend({ backend: 'plugcpu' })).rejects.toThrow(
      /backend 'plugcpu' cannot start here: its availability check failed: driver crashed\. Available: /,
    );
  });
});

describe('initBackend concurrency', () => {
  it('starts a provider once when two calls overlap', async () => {
    await initBackend({ backend: 'cpu' });
    const cpuBackend = tf.findBackend('cpu')!;
    let inits = 0;
    registerBackendProvider({
      name: 'countcpu',
      isAvailable: async () => true,
      init: async () => {
        inits++;
        await new Promise((r) => setTimeout(r, 20)); // a slow start, like opening a GPU device
        tf.registerBackend('countcpu', () => Object.assign(new (cpuBackend.constructor as new () => tf.KernelBackend)(), { firstUse: false }));
        for (const k of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...k, backendName: 'countcpu' });
        return {};
      },
    });
    const [a, b] = await Promise.all([initBackend({ backend: 'countcpu' }), initBackend({ backend: 'countcpu' })]);
    expect(inits).toBe(1);
    expect([a.backend, b.backend, tf.getBackend()]).toEqual(['countcpu', 'countcpu', 'countcpu']);
  });
});

describe('isSoftwareAdapter', () => {
  it('flags fallback adapters, SwiftShader, lavapipe/llvmpipe and Basic Render, not real GPUs', () => {
    expect(isSoftwareAdapter({ vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader driver 5.0.0' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).toBe(true);
    expect(isSoftwareAdapter({ description: 'Microsoft Basic Render Driver' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'ampere' }, true)).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'apple', architecture: 'metal-3', isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'ampere', description: 'NVIDIA RTX A4000' })).toBe(false);
    expect(isSoftwareAdapter({ vendor: 'intel', architecture: 'gen-12lp' })).toBe(false);
  });
});
