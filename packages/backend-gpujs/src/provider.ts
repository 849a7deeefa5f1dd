// The @agon/tensor backend provider for `gpujs`: initBackend({ backend: 'gpujs' }) starts it.
import * as tf from '@tensorflow/tfjs-core';
import { registerBackendProvider, type BackendProvider } from '@agon/tensor';
import { createGpujsContext, GPUJS_MODES, isGlMode, loadGpujs, modeSupport, type GpujsContext, type GpujsMode } from './gpu-mode.js';

/**
 * Options of {@link gpujsProvider} / {@link registerGpujsProvider}.
 *
 * @example
 * ```ts
 * registerGpujsProvider({ mode: 'headlessgl' });        // fail rather than fall back
 * registerGpujsProvider({ mode: 'auto', autoPriority: 15 }); // let initBackend() auto-pick it above wasm
 * ```
 */
export interface GpujsProviderOptions {
  /**
   * The gpu.js mode. Default `'auto'`: the first that works of headlessgl, webgl2, webgl, webasm,
   * cpu. Naming a mode makes the backend fail to start (with the reason) where that mode cannot
   * run, instead of quietly taking a slower one.
   */
  mode?: GpujsMode | 'auto';
  /**
   * Rank in initBackend's `'auto'` mode. Default undefined: started only when asked for by name
   * (gpu.js over software GL is slower than wasm, so auto should not pick it on its own).
   */
  autoPriority?: number;
}

/**
 * What the running `gpujs` backend reports about itself.
 *
 * @example
 * ```ts
 * const info = gpujsInfo(); // { mode: 'headlessgl', kernelsCompiled: 12, kernelsHeld: 12, kernelRuns: 340 }
 * ```
 */
export interface GpujsInfo {
  /** The gpu.js mode its kernels run in. */
  mode: GpujsMode;
  /** gpu.js kernels compiled so far (one per operation and shape). */
  kernelsCompiled: number;
  /** Compiled kernels held for reuse now. */
  kernelsHeld: number;
  /** gpu.js kernel calls so far (every GPU-run op, compiled or reused). */
  kernelRuns: number;
}

interface BackendLike {
  mode: GpujsMode;
  kernels: { compileCount: number; size: number; runCount: number };
}

let current: GpujsContext | undefined;

/**
 * The mode and kernel counts of the `gpujs` backend, or undefined when it has not been started.
 *
 * @example
 * ```ts
 * import { initBackend } from '@agon/tensor';
 * import { gpujsInfo, registerGpujsProvider } from '@agon/backend-gpujs';
 * registerGpujsProvider();
 * await initBackend({ backend: 'gpujs' });
 * console.log(gpujsInfo()?.mode); // 'headlessgl' under xvfb-run in Node, 'webgl2' in a browser
 * ```
 */
export function gpujsInfo(): GpujsInfo | undefined {
  const b = tf.findBackend('gpujs') as unknown as BackendLike | null;
  if (!b || !('kernels' in b)) return undefined;
  return { mode: b.mode, kernelsCompiled: b.kernels.compileCount, kernelsHeld: b.kernels.size, kernelRuns: b.kernels.runCount };
}

/** Checks that kernels compiled in this mode compute: a GL context can exist and still be broken. */
function selfTest(ctx: GpujsContext): void {
  const k = ctx.gpu.createKernel('function (x) {\nreturn x[this.thread.x] * 2.0 + 1.0;\n}', { output: [4] });
  try {
    const out = Array.from(k(Float32Array.from([0, 1.5, -2, 1e6])) as Float32Array);
    const want = [1, 4, -3, 2000001];
    if (!out.every((v, i) => v === want[i])) {
      throw new Error(`gpu.js mode '${ctx.mode}' computed [${out}] for x*2+1 of [0, 1.5, -2, 1e6]; expected [${want}]`);
    }
  } finally {
    void k.destroy();
  }
}

/**
 * A provider for `@agon/tensor`'s initBackend that starts the `gpujs` backend: MatMul,
 * BatchMatMul, _FusedMatMul, elementwise maths and reductions through gpu.js kernels compiled once
 * per shape, every other kernel from the CPU backend. Its start-up detail names the gpu.js mode.
 *
 * @example
 * ```ts
 * import { initBackend, registerBackendProvider } from '@agon/tensor';
 * import { gpujsProvider } from '@agon/backend-gpujs';
 * registerBackendProvider(gpujsProvider({ mode: 'headlessgl' }));
 * const { reason } = await initBackend({ backend: 'gpujs' }); // "… gpu.js mode 'headlessgl' …"
 * ```
 */
export function gpujsProvider(opts: GpujsProviderOptions = {}): BackendProvider {
  const requested = opts.mode ?? 'auto';
  if (requested !== 'auto' && !GPUJS_MODES.includes(requested)) {
    throw new Error(`gpujsProvider: options.mode is '${String(requested)}'; expected 'auto' or one of ${GPUJS_MODES.map((m) => `'${m}'`).join(', ')}`);
  }
  if (opts.autoPriority !== undefined && !Number.isFinite(opts.autoPriority)) {
    throw new Error(`gpujsProvider: options.autoPriority is ${String(opts.autoPriority)}; expected a finite number or undefined`);
  }
  return {
    name: 'gpujs',
    autoPriority: opts.autoPriority,
    async isAvailable() {
      let GPU;
      try {
        ({ GPU } = await loadGpujs());
      } catch (err) {
        return err instanceof Error ? err.message : String(err);
      }
      if (requested === 'auto') return true; // gpu.js's cpu mode always runs
      const ok = modeSupport(GPU, requested);
      return ok === true ? true : `gpu.js mode '${requested}': ${ok}`;
    },
    async init() {
      // A backend left from an earlier start holds the old gpu.js instance: remove it (disposing
      // its kernels) before that instance is destroyed.
      if (tf.findBackendFactory('gpujs')) tf.removeBackend('gpujs');
      if (current) await current.gpu.destroy();
      current = undefined;
      const ctx = await createGpujsContext(requested);
      try {
        selfTest(ctx);
        // Loaded here, not at the top: importing tfjs-backend-cpu registers its kernels.
        await import('@tensorflow/tfjs-backend-cpu');
        const [{ GpujsBackend }, { registerGpujsKernels }] = await Promise.all([import('./backend.js'), import('./register.js')]);
        registerGpujsKernels();
        tf.registerBackend('gpujs', () => new GpujsBackend(ctx));
      } catch (err) {
        await ctx.gpu.destroy();
        throw err;
      }
      current = ctx;
      const how = requested === 'auto' ? 'chosen automatically' : 'as requested';
      const storage = isGlMode(ctx.mode) ? (ctx.singlePrecision ? 'float32 textures' : 'float32 packed into byte textures') : 'float32 arrays';
      return { detail: `gpu.js mode '${ctx.mode}' (${how}; ${storage})` };
    },
    async release() {
      const ctx = current;
      current = undefined;
      await ctx?.gpu.destroy();
    },
  };
}

/**
 * Registers {@link gpujsProvider} with `@agon/tensor`, so `initBackend({ backend: 'gpujs' })`
 * starts it. Call once, before initBackend.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from '@agon/tensor';
 * import { registerGpujsProvider } from '@agon/backend-gpujs';
 * registerGpujsProvider();                       // or registerGpujsProvider({ mode: 'headlessgl' })
 * await initBackend({ backend: 'gpujs' });
 * tf.matMul(tf.ones([64, 64]), tf.ones([64, 64])).print(); // computed by a gpu.js kernel
 * ```
 */
export function registerGpujsProvider(opts: GpujsProviderOptions = {}): BackendProvider {
  const p = gpujsProvider(opts);
  registerBackendProvider(p);
  return p;
}
