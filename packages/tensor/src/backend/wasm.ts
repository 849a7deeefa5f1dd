import * as tf from '@tensorflow/tfjs-core';
import { isNode } from './gradients.js';
import { compileKernels } from '../kernels/wasm/module.js';
import { registerWasmGather } from '../kernels/wasm/gather.js';
import { registerWasmMatMul } from '../kernels/wasm/matmul.js';
import { registerWasmSegmentSum } from '../kernels/wasm/segment-sum.js';
import { registerWasmSlice } from '../kernels/wasm/slice.js';
import { replaceKernel } from '../kernels/registry.js';
import { coresPresent, IDLE_MS, setKernelThreads, THREAD_MIN_FLOPS, threadSupport } from '../kernels/wasm/threads.js';
import type { BackendProvider, ProviderContext, ProviderStarted } from './provider.js';

/** The slice of the wasm backend that the `Identity` kernel needs. */
interface WasmBackendLike {
  incRef(dataId: tf.DataId): void;
}

/**
 * `Identity` for the wasm backend without a copy: the output shares the input's heap block and
 * the backend's reference count keeps the block until both are disposed, as tfjs' `Reshape` on
 * wasm and `Identity` on cpu do. tfjs-backend-wasm 4.22 copies the block instead; the engine runs
 * `Identity` for every tensor a gradient tape saves (`clone`), so a training step copied each
 * saved activation once, and held both copies. No wasm kernel writes into its inputs, so sharing
 * is safe.
 */
export function identityWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  (args.backend as WasmBackendLike).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * Registers the kernels agon adds to the wasm backend, and agon's SIMD GEMM in place of tfjs'
 * `BatchMatMul` and `_FusedMatMul`, a copy-free `Identity`, a row-copying `GatherV2`, a SIMD
 * `UnsortedSegmentSum`, and `Slice` / `SplitV` that copy on the heap (idempotent).
 * `initBackend({ backend: 'wasm' })` does it; call it yourself only when you set the wasm backend
 * up without initBackend.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-wasm';
 * import { registerWasmKernels } from '@agon/tensor';
 * registerWasmKernels();
 * await tf.setBackend('wasm'); // tf.grad through tf.gather now works
 * ```
 */
export function registerWasmKernels(): void {
  replaceKernel(tf.Identity, 'wasm', identityWasm);
  registerWasmMatMul();
  registerWasmGather();
  registerWasmSegmentSum();
  registerWasmSlice();
}

let wasmPathsUsed: string | undefined;
let threadsAsked: number | undefined;
let minFlopsAsked: number | undefined;

/** A variable of Node's environment, if set, as a number `valid` accepts. */
function envNumber(name: string, what: string, valid: (n: number) => boolean): number | undefined {
  const v = isNode() ? (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name] : undefined;
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!valid(n)) throw new Error(`initBackend: environment variable ${name} must be ${what} (found '${v}')`);
  return n;
}

/**
 * Starts (or stops) agon's kernel threads where threads can run, and says what runs and why.
 * The count: `ctx.threads`, else what an earlier call asked for, else `AGON_THREADS`, else the
 * cores present; the size threshold likewise from `threadMinFlops` / `AGON_THREAD_MIN_FLOPS`.
 */
async function configureThreads(ctx: ProviderContext): Promise<string> {
  wasmPathsUsed = ctx.wasmPaths ?? wasmPathsUsed;
  threadsAsked = ctx.threads ?? threadsAsked;
  minFlopsAsked = ctx.threadMinFlops ?? minFlopsAsked;
  const fromEnv = envNumber('AGON_THREADS', 'a whole number ≥ 1', (n) => Number.isInteger(n) && n >= 1);
  const minFlops = minFlopsAsked ?? envNumber('AGON_THREAD_MIN_FLOPS', 'a number ≥ 0', (n) => Number.isFinite(n) && n >= 0) ?? THREAD_MIN_FLOPS;
  const wanted = threadsAsked ?? fromEnv ?? (await coresPresent());
  const why = threadsAsked !== undefined ? `threads: ${wanted} asked for` : fromEnv !== undefined ? `AGON_THREADS=${wanted}` : `${wanted} core${wanted === 1 ? '' : 's'} present`;
  const support = wanted > 1 ? threadSupport() : true;
  const threads = support === true ? wanted : 1;
  try {
    await setKernelThreads(threads, wasmPathsUsed, IDLE_MS, minFlops);
  } catch (err) {
    await setKernelThreads(1);
    return `one thread: the kernel threads failed to start (${err instanceof Error ? err.message : String(err)})`;
  }
  if (support !== true) return `one thread: ${support}`;
  if (threads === 1) return `one thread (${why})`;
  return `${threads} threads for matMul products of ≥ ${minFlops / 1e6} MFLOP (${why})`;
}

async function started(ctx: ProviderContext): Promise<ProviderStarted> {
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return { detail: `simd ${simd ? 'on' : 'off'}; matMul: agon SIMD GEMM, ${await configureThreads(ctx)}` };
}

/**
 * WebAssembly through `@tensorflow/tfjs-backend-wasm`'s single-threaded SIMD build, with agon's
 * GEMM (on `ctx.threads` threads where they can run; see `init`).
 */
export const wasmProvider: BackendProvider = {
  name: 'wasm',
  autoPriority: 10,
  async isAvailable() {
    return typeof WebAssembly === 'object' || 'WebAssembly is not available in this runtime';
  },
  async init(ctx) {
    // agon's kernels import the backend's memory as a plain (non-shared) WebAssembly.Memory; the
    // threaded tfjs build (chosen in cross-origin-isolated pages) has a shared one, which they
    // cannot import. So the single-threaded SIMD build, in browsers as in Node; agon's own threads
    // run its GEMM over a shared memory of their own.
    const wasm = await import('@tensorflow/tfjs-backend-wasm'); // registers the flag set here
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (ctx.wasmPaths) wasm.setWasmPaths(ctx.wasmPaths);
    await compileKernels(ctx.wasmPaths);
    registerWasmKernels();
    return started(ctx);
  },
  update: started,
};
