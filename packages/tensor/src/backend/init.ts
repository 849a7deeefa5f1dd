import * as tf from '@tensorflow/tfjs-core';
import { cpuProvider, silenceCpuHint } from './cpu.js';
import { isNode, registerGradients } from './gradients.js';
import {
  backendProviders,
  getBackendProvider,
  registerBackendProvider,
  type BackendProvider,
  type GpuAdapterSummary,
  type ProviderContext,
  type ProviderStarted,
} from './provider.js';
import { wasmProvider } from './wasm.js';
import { webglProvider } from './webgl.js';
import { webgpuProvider } from './webgpu.js';

/**
 * Options of {@link initBackend}.
 *
 * @example
 * ```ts
 * const opts: InitBackendOptions = { backend: 'auto', allowSoftwareGpu: false };
 * const twoThreads: InitBackendOptions = { backend: 'wasm', threads: 2 }; // agon's GEMM on 2 threads
 * ```
 */
export interface InitBackendOptions {
  /**
   * Which backend: `'auto'` (default) or a provider name (`'cpu'`, `'wasm'`, `'webgpu'`,
   * `'webgl'`, or one added with {@link registerBackendProvider}). Auto picks the available
   * provider of highest priority: webgpu on a hardware adapter, then webgl (browser), then wasm
   * (the Node default), then cpu.
   */
  backend?: 'auto' | 'cpu' | 'wasm' | 'webgpu' | 'webgl' | (string & {});
  /**
   * Accept a software GPU adapter (SwiftShader, lavapipe) in auto mode. Default false: they run on
   * the CPU and are slower than wasm. Naming `'webgpu'` explicitly always accepts them.
   */
  allowSoftwareGpu?: boolean;
  /**
   * Browsers: URL prefix (ending in '/') where the tfjs-backend-wasm `.wasm` files are served;
   * agon's kernels (`agon-kernels.wasm`, in this package's `wasm/` folder) are fetched from there too.
   */
  wasmPaths?: string;
  /**
   * wasm: how many threads agon's GEMM splits a product across (every form of `matMul` and
   * `fusedMatMul`, batched attention products included; tfjs' other kernels run on one). Default:
   * what an earlier call asked for, else `AGON_THREADS` (Node), else the cores present
   * (`os.availableParallelism()` in Node, `navigator.hardwareConcurrency` in a browser). Threads
   * need a shared `WebAssembly.Memory` and a thread that may block: Node, or a Web Worker of a
   * cross-origin-isolated page; elsewhere (a browser's main thread, a page without COOP/COEP) one
   * thread runs and `reason` says why. Results are the same bits for every thread count. Products
   * under a size threshold stay on the calling thread. Workers are unref'd in Node and leave after
   * 10 s without work; `threads: 1` stops them at once.
   *
   * @example
   * ```ts
   * const { reason } = await initBackend({ backend: 'wasm', threads: 2 });
   * // reason ends: 'matMul: agon SIMD GEMM, 2 threads for matMul products of ≥ 32 MFLOP (threads: 2 asked for)'
   * ```
   */
  threads?: number;
  /**
   * wasm: products of fewer flops (2·batch·M·N·K) than this stay on the calling thread. Default:
   * what an earlier call asked for, else `AGON_THREAD_MIN_FLOPS` (Node), else 32e6 (measured on an
   * idle 2-core machine; under other jobs' load larger is better). 0 splits every product.
   *
   * @example
   * ```ts
   * await initBackend({ backend: 'wasm', threads: 4, threadMinFlops: 8e6 });
   * ```
   */
  threadMinFlops?: number;
}

/**
 * What {@link initBackend} chose.
 *
 * @example
 * ```ts
 * const info: BackendInfo = await initBackend();
 * console.log(`${info.backend}: ${info.reason}`);
 * ```
 */
export interface BackendInfo {
  /** The tfjs backend now active (`tf.getBackend()`). */
  backend: string;
  /** Why it was chosen, and what was skipped on the way, in words. */
  reason: string;
  /** The GPU adapter, for GPU backends. */
  adapter?: GpuAdapterSummary;
}

let builtinsRegistered = false;
const started = new Map<string, ProviderStarted>();

/**
 * Registers the built-in providers (cpu, wasm, webgpu, webgl) unless a provider of that name is
 * already there. {@link initBackend} calls it; call it yourself to list providers before that.
 *
 * @example
 * ```ts
 * import { backendProviders, registerBuiltinProviders } from '@agon/tensor';
 * registerBuiltinProviders();
 * backendProviders().map((p) => p.name); // ['webgpu', 'webgl', 'wasm', 'cpu']
 * ```
 */
export function registerBuiltinProviders(): void {
  if (builtinsRegistered) return;
  builtinsRegistered = true;
  for (const p of [cpuProvider, wasmProvider, webgpuProvider, webglProvider]) {
    if (!getBackendProvider(p.name)) registerBackendProvider(p);
  }
}

/**
 * Sets the TensorFlow.js backend and registers gradients and agon's extra kernels; returns what
 * it chose and why. Safe to call again: a backend started once is reselected without restarting.
 *
 * @throws when the named backend is unknown or cannot start here; the message lists the backends
 * that can.
 * @example
 * ```ts
 * import { initBackend } from '@agon/tensor';
 * const { backend, reason } = await initBackend();             // 'wasm' in Node without a GPU
 * await initBackend({ backend: 'webgpu' });                   // any adapter, software included
 * await initBackend({ backend: 'auto', allowSoftwareGpu: true });
 * await initBackend({ backend: 'wasm', threads: 2 });         // agon's GEMM on two threads
 * ```
 */
export function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  // One start at a time: two overlapping calls must not open two devices for one backend.
  const run = queue.then(() => initBackendNow(opts));
  queue = run.catch(() => undefined);
  return run;
}

let queue: Promise<unknown> = Promise.resolve();

async function initBackendNow(opts: InitBackendOptions): Promise<BackendInfo> {
  if (opts.threads !== undefined && !(Number.isInteger(opts.threads) && opts.threads >= 1)) {
    throw new Error(`initBackend: option 'threads' must be a whole number ≥ 1 (found ${String(opts.threads)})`);
  }
  if (opts.threadMinFlops !== undefined && !(Number.isFinite(opts.threadMinFlops) && opts.threadMinFlops >= 0)) {
    throw new Error(`initBackend: option 'threadMinFlops' must be a number ≥ 0 (found ${String(opts.threadMinFlops)})`);
  }
  registerBuiltinProviders();
  // Loading the gradients (a large import) overlaps the providers' probes; it is awaited before a backend starts.
  const gradients = registerGradients();
  gradients.catch(() => undefined); // awaited below, where a failure is thrown
  const requested = opts.backend ?? 'auto';
  const ctx: ProviderContext = {
    allowSoftwareGpu: opts.allowSoftwareGpu ?? requested === 'webgpu',
    isNode: isNode(),
    wasmPaths: opts.wasmPaths,
    threads: opts.threads,
    threadMinFlops: opts.threadMinFlops,
  };

  if (requested !== 'auto') {
    const p = getBackendProvider(requested);
    if (!p) {
      throw new Error(
        `initBackend: unknown backend '${requested}'; known: ${backendProviders().map((q) => q.name).join(', ')}` +
          ` (add others with registerBackendProvider)`,
      );
    }
    const ok = await probe(p, ctx);
    if (ok !== true) {
      const why = typeof ok === 'string' ? ok : 'its provider reports it unavailable';
      throw new Error(
        `initBackend: backend '${requested}' cannot start here: ${why}. Available: ${(await availableNames(ctx)).join(', ') || 'none'}`,
      );
    }
    await gradients;
    return start(p, ctx, `'${requested}' was requested`);
  }

  const skipped: string[] = [];
  for (const p of backendProviders()) {
    if (p.autoPriority === undefined) continue;
    const ok = await probe(p, ctx);
    if (ok !== true) {
      skipped.push(`${p.name}: ${typeof ok === 'string' ? ok : 'unavailable'}`);
      continue;
    }
    const why = `auto: ${p.name} is the best available${skipped.length ? ` (skipped ${skipped.join('; ')})` : ''}`;
    await gradients;
    try {
      return await start(p, ctx, why);
    } catch (err) {
      skipped.push(`${p.name}: failed to start (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  throw new Error(`initBackend: no backend could start (${skipped.join('; ')})`);
}

/** A provider's availability; a probe that throws counts as unavailable, with its message. */
async function probe(p: BackendProvider, ctx: ProviderContext): Promise<boolean | string> {
  try {
    return await p.isAvailable(ctx);
  } catch (err) {
    return `its availability check failed: ${err instanceof Error ? err.message : String(err)}`;
  }
}

async function availableNames(ctx: ProviderContext): Promise<string[]> {
  const names: string[] = [];
  for (const p of backendProviders()) {
    if ((await probe(p, ctx)) === true) names.push(p.name);
  }
  return names;
}

async function start(p: BackendProvider, ctx: ProviderContext, why: string): Promise<BackendInfo> {
  let res = started.get(p.name);
  if (!res || !tf.findBackendFactory(p.name)) res = await p.init(ctx);
  else if (p.update) res = await p.update(ctx);
  // setBackend resolves false (and only logs) when the backend's factory throws.
  let ok = false;
  let failure = '';
  try {
    ok = await tf.setBackend(p.name);
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
  }
  if (!ok) {
    started.delete(p.name);
    if (tf.findBackendFactory(p.name)) tf.removeBackend(p.name);
    await p.release?.();
    throw new Error(`initBackend: backend '${p.name}' failed to initialise${failure ? `: ${failure}` : ''}`);
  }
  await tf.ready();
  if (p.name === 'cpu') silenceCpuHint();
  started.set(p.name, res);
  return { backend: p.name, reason: res.detail ? `${why}; ${res.detail}` : why, adapter: res.adapter };
}

/**
 * Removes a started backend (its tensors become invalid) and frees what its provider opened: for
 * webgpu the device is destroyed and, in Node, Dawn's handle dropped so the process can exit.
 * Call it at the end of a program or test file that used webgpu. Providers without `release`
 * (cpu, wasm) hold nothing to free and are left as they are.
 *
 * @example
 * ```ts
 * import { initBackend, releaseBackend } from '@agon/tensor';
 * await initBackend({ backend: 'webgpu' });
 * // … work …
 * await releaseBackend('webgpu');
 * ```
 */
export async function releaseBackend(name: string): Promise<void> {
  const p = getBackendProvider(name);
  // cpu and wasm hold nothing to free, and their kernels register once per process, so they stay.
  if (!p?.release) return;
  if (tf.findBackendFactory(name)) tf.removeBackend(name);
  started.delete(name);
  await p.release();
}
