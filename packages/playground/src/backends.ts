/**
 * What this browser offers for training, probed from the page before a run: WebGPU (and whether
 * its adapter is hardware or a CPU emulation), WebGL 2 and WebAssembly. The worker's own backend
 * start reports what actually runs.
 */
import { isSoftwareAdapter } from '@agon/tensor';
import type { BackendChoice } from './protocol.js';

/** One backend's availability, in words. */
export interface BackendOption {
  name: BackendChoice;
  available: boolean;
  /** Why it is (not) a good choice here. */
  note: string;
}

interface GpuInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
type NavigatorGpu = { gpu?: { requestAdapter(): Promise<{ info?: GpuInfo; isFallbackAdapter?: boolean } | null> } };

async function webgpu(): Promise<BackendOption & { hardware: boolean }> {
  const gpu = (navigator as unknown as NavigatorGpu).gpu;
  if (!gpu) return { name: 'webgpu', available: false, hardware: false, note: 'this browser has no WebGPU (navigator.gpu)' };
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (!adapter) return { name: 'webgpu', available: false, hardware: false, note: 'WebGPU is present but offers no adapter' };
  const info = adapter.info ?? {};
  const what = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unnamed adapter';
  if (isSoftwareAdapter(info, adapter.isFallbackAdapter)) {
    return { name: 'webgpu', available: true, hardware: false, note: `software adapter (${what}): it runs on the CPU, slower than wasm` };
  }
  return { name: 'webgpu', available: true, hardware: true, note: `hardware adapter: ${what}` };
}

function webgl(): BackendOption {
  const ok = typeof OffscreenCanvas !== 'undefined' && new OffscreenCanvas(1, 1).getContext('webgl2') !== null;
  return { name: 'webgl', available: ok, note: ok ? 'WebGL 2 (in the worker through OffscreenCanvas)' : 'no WebGL 2 context in a worker here' };
}

function wasm(): BackendOption {
  const isolated = globalThis.crossOriginIsolated === true;
  // agon's SIMD kernels work on tfjs' wasm heap as a plain WebAssembly.Memory; tfjs' threaded build
  // would make it shared, so @agon/tensor starts the single-threaded build everywhere.
  return {
    name: 'wasm',
    available: true,
    note: `SIMD, one thread: agon's kernels need tfjs' single-threaded build (the page is ${isolated ? '' : 'not '}cross-origin isolated)`,
  };
}

/**
 * The backends and which to preselect: WebGPU on a hardware adapter, else wasm (a software
 * adapter or WebGL on a small model is slower than wasm on the same CPU).
 */
export async function probeBackends(): Promise<{ options: BackendOption[]; preferred: BackendChoice }> {
  const gpu = await webgpu();
  const options = [gpu, webgl(), wasm()];
  return { options: options.map(({ name, available, note }) => ({ name, available, note })), preferred: gpu.hardware ? 'webgpu' : 'wasm' };
}
