/**
 * What a GPU adapter says about itself (WebGPU `adapter.info`, trimmed).
 *
 * @example
 * ```ts
 * const { adapter } = await initBackend({ backend: 'webgpu' });
 * if (adapter?.software) console.warn(`${adapter.description} runs on the CPU`);
 * ```
 */
export interface GpuAdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for a fallback or CPU-emulated adapter (SwiftShader, lavapipe/llvmpipe, …). */
  software: boolean;
}

/**
 * What a provider is told when asked to start.
 *
 * @example
 * ```ts
 * const provider: BackendProvider = {
 *   name: 'mine',
 *   isAvailable: async (ctx) => ctx.isNode || 'Node only',
 *   init: async () => ({}),
 * };
 * ```
 */
export interface ProviderContext {
  /** Whether a software (CPU-emulated) GPU adapter is acceptable. */
  allowSoftwareGpu: boolean;
  /** True under Node, false in a browser or worker. */
  isNode: boolean;
  /** Where the wasm binaries are served from (browsers); see {@link InitBackendOptions.wasmPaths}. */
  wasmPaths?: string;
  /** Threads the caller asked for; see {@link InitBackendOptions.threads}. Undefined: the provider's default. */
  threads?: number;
  /** See {@link InitBackendOptions.threadMinFlops}. */
  threadMinFlops?: number;
}

/**
 * What a provider reports after {@link BackendProvider.init}.
 *
 * @example
 * ```ts
 * const started: ProviderStarted = { detail: 'gpu.js over headless-gl' };
 * ```
 */
export interface ProviderStarted {
  /** Why/how it started, appended to initBackend's reason (e.g. the adapter it chose). */
  detail?: string;
  /** The GPU adapter used, for GPU backends. */
  adapter?: GpuAdapterSummary;
}

/**
 * A backend that {@link initBackend} can start. Built-ins: cpu, wasm, webgpu, webgl. Another
 * package (e.g. a gpu.js backend) plugs in by registering one with {@link registerBackendProvider}.
 *
 * Contract: `isAvailable` is side-effect free apart from caching a probe (e.g. a GPU adapter);
 * `init` registers the tfjs backend under `name` (`tf.registerBackend`) and every kernel it needs,
 * and is called at most once until `release`; initBackend then calls `tf.setBackend(name)`.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { registerBackendProvider, type BackendProvider } from '@agon/tensor';
 * const gpujs: BackendProvider = {
 *   name: 'gpujs',
 *   autoPriority: 5, // below wasm (10): auto picks it only when wasm is missing
 *   async isAvailable() { return typeof WebAssembly === 'object' || 'no WebAssembly'; },
 *   async init() { tf.registerBackend('gpujs', () => new MyGpuJsBackend()); return { detail: 'gpu.js over headless-gl' }; },
 * };
 * registerBackendProvider(gpujs);
 * ```
 */
export interface BackendProvider {
  /** The tfjs backend name it registers and initBackend selects. */
  readonly name: string;
  /**
   * Rank in `'auto'` mode: the available provider with the highest value wins. Built-ins:
   * webgpu 30 (hardware adapters only), webgl 20 (browser), wasm 10, cpu 0. Leave undefined to be
   * started only when asked for by name.
   */
  readonly autoPriority?: number;
  /** `true` when it can start here; `false` or a reason string when it cannot. */
  isAvailable(ctx: ProviderContext): Promise<boolean | string>;
  /** Registers the tfjs backend and its kernels. */
  init(ctx: ProviderContext): Promise<ProviderStarted>;
  /**
   * Called instead of `init` when the provider already started: applies what may change between
   * {@link initBackend} calls (wasm: the thread count) and reports again.
   */
  update?(ctx: ProviderContext): Promise<ProviderStarted>;
  /** Frees what `init` made (devices, contexts), after the tfjs backend was removed. */
  release?(): Promise<void> | void;
}

const providers = new Map<string, BackendProvider>();

/**
 * Adds (or replaces) a backend provider, so `initBackend({ backend: provider.name })` and `'auto'`
 * mode can start it. Accepts `(provider)` or `(name, provider)`; the names must agree.
 *
 * @example
 * ```ts
 * import { registerBackendProvider } from '@agon/tensor';
 * registerBackendProvider(myProvider);          // or registerBackendProvider('gpujs', myProvider)
 * await initBackend({ backend: 'gpujs' });
 * ```
 */
export function registerBackendProvider(nameOrProvider: string | BackendProvider, provider?: BackendProvider): void {
  const p = typeof nameOrProvider === 'string' ? provider : nameOrProvider;
  if (!p || typeof p.isAvailable !== 'function' || typeof p.init !== 'function' || !p.name) {
    throw new Error('registerBackendProvider: expected { name, isAvailable(), init() }');
  }
  if (typeof nameOrProvider === 'string' && nameOrProvider !== p.name) {
    throw new Error(`registerBackendProvider: name '${nameOrProvider}' differs from provider.name '${p.name}'`);
  }
  providers.set(p.name, p);
}

/**
 * The registered providers, highest auto priority first (built-ins are registered by the first
 * {@link initBackend} call, or by {@link registerBuiltinProviders}).
 *
 * @example
 * ```ts
 * import { backendProviders } from '@agon/tensor';
 * console.log(backendProviders().map((p) => p.name)); // ['webgpu', 'webgl', 'wasm', 'cpu', …]
 * ```
 */
export function backendProviders(): BackendProvider[] {
  return [...providers.values()].sort((a, b) => (b.autoPriority ?? -Infinity) - (a.autoPriority ?? -Infinity));
}

/**
 * The provider registered under `name`, if any.
 *
 * @example
 * ```ts
 * import { getBackendProvider } from '@agon/tensor';
 * const ok = await getBackendProvider('webgpu')?.isAvailable({ allowSoftwareGpu: false, isNode: true });
 * ```
 */
export function getBackendProvider(name: string): BackendProvider | undefined {
  return providers.get(name);
}
