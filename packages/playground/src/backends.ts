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
  const cores = Math.max(1, Math.floor(navigator.hardwareConcurrency || 1));
  // tfjs' single-threaded SIMD build runs every kernel but matMul; agon's GEMM (every matMul form,
  // attention's batched products included) splits large products across threads of its own,
  // which share memory with the training worker and so need a cross-origin-isolated page.
  if (!isolated) {
    return { name: 'wasm', available: true, note: 'SIMD, one thread: the page is not cross-origin isolated (threads need SharedArrayBuffer, which needs the COOP/COEP headers)' };
  }
  if (cores === 1) return { name: 'wasm', available: true, note: 'SIMD, one thread: this browser reports one core' };
  return {
    name: 'wasm',
    available: true,
    note: `SIMD, ${cores} threads: agon's matMul splits large products across ${cores} threads, one per core this browser reports (the page is cross-origin isolated)`,
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
