import * as tf from '@tensorflow/tfjs-core';
import type { BackendProvider, GpuAdapterSummary, ProviderContext } from './provider.js';
import { adapterFromChild, type ChildAdapterReport } from './webgpu-child-probe.js';

// Structural slices of the WebGPU API, so the package does not need @webgpu/types at compile time.
interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface DeviceLike {
  destroy(): void;
}
interface AdapterLike {
  info?: AdapterInfoLike;
  isFallbackAdapter?: boolean;
  features: { has(name: string): boolean };
  limits: Record<string, number>;
  requestAdapterInfo?(): Promise<AdapterInfoLike>;
  requestDevice(desc?: { requiredFeatures?: string[]; requiredLimits?: Record<string, number> }): Promise<DeviceLike>;
}
interface GpuLike {
  requestAdapter(opts?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<AdapterLike | null>;
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render/i;

/**
 * Whether an adapter is a fallback or CPU-emulated one: `isFallbackAdapter`, or SwiftShader,
 * lavapipe/llvmpipe or Microsoft Basic Render named in its vendor, architecture, device or
 * description.
 *
 * @example
 * ```ts
 * import { isSoftwareAdapter } from '@agon/tensor';
 * isSoftwareAdapter({ vendor: 'google', architecture: 'swiftshader' }); // true
 * isSoftwareAdapter({ vendor: 'nvidia', architecture: 'ampere' });      // false
 * ```
 */
export function isSoftwareAdapter(info: AdapterInfoLike, isFallbackAdapter = false): boolean {
  if (isFallbackAdapter || info.isFallbackAdapter) return true;
  return [info.vendor, info.architecture, info.device, info.description].some((s) => !!s && SOFTWARE.test(s));
}

const DAWN_INSTANCE = Symbol.for('@agon/tensor.dawnInstance');
/** The Node `webgpu` (Dawn) instance in use. */
let nodeGpu: GpuLike | undefined;
interface Probe {
  adapter: AdapterLike;
  summary: GpuAdapterSummary;
}
let probed: Probe | undefined;
let device: DeviceLike | undefined;

async function getGpu(ctx: ProviderContext): Promise<GpuLike | string> {
  if (!ctx.isNode) {
    const gpu = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
    return gpu ?? 'navigator.gpu is missing (this browser has no WebGPU)';
  }
  if (!nodeGpu) {
    let mod: { create(flags: string[]): unknown; globals: object };
    try {
      mod = (await import('webgpu')) as unknown as typeof mod;
    } catch (err) {
      return `the optional 'webgpu' package (Dawn for Node) could not be loaded: ${String(err)}`;
    }
    // Dawn's classes (GPUBufferUsage, …) must be globals before tfjs-backend-webgpu runs.
    Object.assign(globalThis, mod.globals);
    // One Dawn instance per process, kept on the native addon's (process-wide) exports: module
    // registries that are re-created in one process (jest test files) would otherwise each make
    // an instance, and tearing down several crashes SwiftShader at exit (std::system_error).
    const shared = mod.create as unknown as Record<symbol, GpuLike | undefined>;
    nodeGpu = shared[DAWN_INSTANCE] ??= mod.create([]) as GpuLike;
  }
  return nodeGpu;
}

const NO_ADAPTER_HINT =
  '; on Linux without a GPU driver, a software Vulkan ICD can be named with ' +
  'VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json (lavapipe is rejected by Dawn)';

/** The child process's answer, asked once per process (see webgpu-child-probe.ts). */
let childReport: Promise<ChildAdapterReport> | undefined;

/**
 * Node: whether Dawn would find an acceptable adapter, asked in a child process so that Dawn's and
 * Vulkan's stderr lines never reach the user when there is none. A reason string when there is
 * none (or only a software one and `allowSoftwareGpu` is off); `true` when the in-process probe
 * should go ahead.
 */
async function quietCheck(ctx: ProviderContext): Promise<true | string> {
  const r = await (childReport ??= adapterFromChild());
  if (!r.found) return r.reason || `no WebGPU adapter was found${NO_ADAPTER_HINT}`;
  const summary = summarise(r, r.fallback);
  if (summary.software && !ctx.allowSoftwareGpu) return softwareRefusal(summary);
  return true;
}

function summarise(info: AdapterInfoLike, fallback: boolean | undefined): GpuAdapterSummary {
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    software: isSoftwareAdapter(info, fallback),
  };
}

function softwareRefusal(s: GpuAdapterSummary): string {
  return `the WebGPU adapter is software (${describeAdapter(s)}); pass allowSoftwareGpu: true to use it`;
}

async function probe(ctx: ProviderContext): Promise<Probe | string> {
  if (probed) return probed;
  if (ctx.isNode) {
    const ok = await quietCheck(ctx);
    if (ok !== true) return ok;
  }
  const gpu = await getGpu(ctx);
  if (typeof gpu === 'string') return gpu;
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return `no WebGPU adapter was found${ctx.isNode ? NO_ADAPTER_HINT : ''}`;
  const info = adapter.info ?? (adapter.requestAdapterInfo ? await adapter.requestAdapterInfo() : {});
  const summary = summarise(info, adapter.isFallbackAdapter);
  probed = { adapter, summary };
  return probed;
}

function describeAdapter(s: GpuAdapterSummary): string {
  return [s.description || s.device, s.vendor, s.architecture].filter(Boolean).join(' / ') || 'unnamed adapter';
}

/**
 * WebGPU through `@tensorflow/tfjs-backend-webgpu`; in Node over Dawn (the optional `webgpu`
 * package), in browsers over `navigator.gpu`. agon opens the device itself so that it can pick
 * the adapter it classified and destroy the device on release (tfjs never does).
 */
export const webgpuProvider: BackendProvider = {
  name: 'webgpu',
  autoPriority: 30,
  async isAvailable(ctx) {
    const p = await probe(ctx);
    if (typeof p === 'string') return p;
    if (p.summary.software && !ctx.allowSoftwareGpu) return softwareRefusal(p.summary);
    return true;
  },
  async init(ctx) {
    const p = await probe(ctx);
    if (typeof p === 'string') throw new Error(p);
    if (ctx.isNode) {
      // tfjs-backend-webgpu checks navigator.gpu when it is imported and when a backend is built.
      const g = globalThis as { navigator?: { gpu?: GpuLike } };
      if (!g.navigator) g.navigator = {};
      Object.defineProperty(g.navigator, 'gpu', { value: nodeGpu, configurable: true, writable: true });
    }
    const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
    const a = p.adapter;
    // Ask for the adapter's full limits (the defaults are too small for LLM-sized buffers) and
    // timestamp queries when offered, as tfjs's own factory does.
    const wanted = [
      'maxComputeWorkgroupStorageSize',
      'maxComputeWorkgroupsPerDimension',
      'maxStorageBufferBindingSize',
      'maxBufferSize',
      'maxComputeWorkgroupSizeX',
      'maxComputeInvocationsPerWorkgroup',
    ];
    const requiredLimits = Object.fromEntries(wanted.map((k) => [k, a.limits[k]]));
    const requiredFeatures = ['timestamp-query'].filter((f) => a.features.has(f));
    const dev = await a.requestDevice({ requiredFeatures, requiredLimits });
    device = dev;
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    const info = a.info ?? {};
    tf.registerBackend(
      'webgpu',
      () => new WebGPUBackend(dev as unknown as ConstructorParameters<typeof WebGPUBackend>[0], info as never),
      3,
    );
    return {
      adapter: p.summary,
      detail: `adapter ${describeAdapter(p.summary)}${p.summary.software ? ' (software)' : ''}`,
    };
  },
  release() {
    device?.destroy();
    device = undefined;
    probed = undefined;
    if (nodeGpu) {
      // Unhook navigator.gpu; the instance itself stays cached for the process (see getGpu).
      // Node still exits: with no device open, dawn.node holds no event-loop handle (checked
      // with webgpu 0.6.2 under node and jest).
      const g = globalThis as { navigator?: { gpu?: GpuLike } };
      if (g.navigator?.gpu === nodeGpu) delete g.navigator.gpu;
      nodeGpu = undefined;
    }
  },
};
