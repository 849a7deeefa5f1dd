// Which gpu.js mode the backend runs in, and the one GPU instance it compiles kernels with.
// gpu.js is loaded lazily (dynamic import) so that importing this package costs nothing and works
// where gpu.js or its native `gl` build is missing; only starting the backend needs them.
import type { GPU as GpuType } from 'gpu.js';

/**
 * The gpu.js modes the `gpujs` backend can run in, fastest first on a real GPU:
 * `headlessgl` (Node, through the native `gl` package: needs an X display, e.g. `xvfb-run`),
 * `webgl2` and `webgl` (browsers), `webasm` (gpu.js compiles kernels to WebAssembly) and `cpu`
 * (gpu.js's own JavaScript fallback). gpu.js's `webgpu` mode is not offered: its kernels only
 * return Promises, and tfjs kernels must return their result synchronously.
 *
 * @example
 * ```ts
 * const mode: GpujsMode = 'headlessgl';
 * registerGpujsProvider({ mode });
 * ```
 */
export type GpujsMode = 'headlessgl' | 'webgl2' | 'webgl' | 'webasm' | 'cpu';

/**
 * Every mode, in the order `'auto'` tries them.
 *
 * @example
 * ```ts
 * GPUJS_MODES; // ['headlessgl', 'webgl2', 'webgl', 'webasm', 'cpu']
 * ```
 */
export const GPUJS_MODES: readonly GpujsMode[] = ['headlessgl', 'webgl2', 'webgl', 'webasm', 'cpu'];

/** The gpu.js module's parts this package uses. */
export interface GpujsModule {
  GPU: typeof GpuType;
}

let loading: Promise<GpujsModule> | undefined;

/**
 * Loads gpu.js once. Rejects with an error naming the package to install when it is missing.
 *
 * @example
 * ```ts
 * const { GPU } = await loadGpujs();
 * console.log(GPU.isHeadlessGLSupported);
 * ```
 */
export function loadGpujs(): Promise<GpujsModule> {
  loading ??= import('gpu.js').then(
    (m: unknown) => {
      // gpu.js is CommonJS: Node exposes its exports both as named exports and as `default`.
      const mod = m as Partial<GpujsModule> & { default?: Partial<GpujsModule> };
      const GPU = mod.GPU ?? mod.default?.GPU;
      if (typeof GPU !== 'function') throw new Error("the 'gpu.js' module has no GPU class (expected gpu.js 2.24)");
      return { GPU };
    },
    (err: unknown) => {
      loading = undefined;
      throw new Error(`@agon/backend-gpujs: cannot load 'gpu.js' (${String(err)}); install it: npm i gpu.js@2.24.1`);
    },
  );
  return loading;
}

/**
 * Why `mode` cannot run here, or `true` when it can. Only asks gpu.js's own feature checks, which
 * for the GL modes create (and keep) a tiny test context.
 */
export function modeSupport(GPU: GpujsModule['GPU'], mode: GpujsMode): true | string {
  switch (mode) {
    case 'headlessgl':
      return GPU.isHeadlessGLSupported
        ? true
        : "headless-gl could not create a context (is the native 'gl' package built, and is there an X display? run under xvfb-run)";
    case 'webgl2':
      return GPU.isWebGL2Supported ? true : 'WebGL2 is not available here (browsers only)';
    case 'webgl':
      return GPU.isWebGLSupported ? true : 'WebGL is not available here (browsers only)';
    case 'webasm':
      return GPU.isWebAssemblySupported ? true : 'WebAssembly is not available here';
    case 'cpu':
      return true;
  }
}

/** True for the modes that run kernels as GL shaders (headless-gl and the browser WebGLs). */
export function isGlMode(mode: GpujsMode): boolean {
  return mode === 'headlessgl' || mode === 'webgl' || mode === 'webgl2';
}

/** A started gpu.js instance and the mode it runs in. */
export interface GpujsContext {
  gpu: GpuType;
  mode: GpujsMode;
  /** True when kernels read and write full float32 (float textures on the GL modes). */
  singlePrecision: boolean;
}

/**
 * Creates the gpu.js instance: the requested mode, or with `'auto'` the first supported of
 * {@link GPUJS_MODES}. Throws naming the mode and the reason when a requested mode cannot start.
 */
export async function createGpujsContext(requested: GpujsMode | 'auto'): Promise<GpujsContext> {
  const { GPU } = await loadGpujs();
  let mode: GpujsMode | undefined;
  if (requested === 'auto') {
    mode = GPUJS_MODES.find((m) => modeSupport(GPU, m) === true);
  } else {
    const ok = modeSupport(GPU, requested);
    if (ok !== true) throw new Error(`gpu.js mode '${requested}' cannot start: ${ok}`);
    mode = requested;
  }
  if (!mode) throw new Error('gpu.js: no mode could start'); // unreachable: 'cpu' always can
  const gpu = new GPU({ mode });
  return { gpu, mode, singlePrecision: isGlMode(mode) ? GPU.isSinglePrecisionSupported : true };
}
