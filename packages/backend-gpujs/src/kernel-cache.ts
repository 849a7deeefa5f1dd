// Compiled gpu.js kernels, one per (operation, shapes) key, reused across calls. Each kernel's
// source is generated with its shapes baked in as literals, so GLSL gets constant loop bounds
// and no index arithmetic depends on uniforms. Least recently used kernels are destroyed past a
// cap, so a long run over many shapes does not grow GPU memory without bound.
import type { IKernelRunShortcut } from 'gpu.js';
import type { GpujsContext } from './gpu-mode.js';

/** What a kernel needs to be compiled: its JavaScript source (gpu.js dialect) and output length. */
export interface KernelSpec {
  /** A `function (a, b, …) { … return v; }` in the subset of JavaScript gpu.js translates. */
  source: string;
  /** Number of outputs; the kernel runs with `this.thread.x` in [0, size). */
  size: number;
}

/** Kernels compiled by one gpu.js instance, keyed by a string that fixes their shapes. */
export class KernelCache {
  private readonly kernels = new Map<string, IKernelRunShortcut>();
  private compiled = 0;
  private runs = 0;

  constructor(
    private readonly ctx: GpujsContext,
    private readonly capacity = 256,
  ) {}

  /** How many kernels were compiled since this cache was made (a reused kernel does not count). */
  get compileCount(): number {
    return this.compiled;
  }

  /** How many gpu.js kernel calls were made since this cache was made. */
  get runCount(): number {
    return this.runs;
  }

  /** How many compiled kernels are held now. */
  get size(): number {
    return this.kernels.size;
  }

  /**
   * Runs the kernel stored under `key` (compiling `make()` the first time) on `args`, and returns
   * a fresh Float32Array of `spec.size` values: gpu.js may reuse its output buffer on the next
   * call, so the result is copied out.
   */
  run(key: string, make: () => KernelSpec, args: readonly (Float32Array | number)[]): Float32Array {
    let kernel = this.kernels.get(key);
    let size: number;
    if (kernel) {
      // Refresh its place in the LRU order.
      this.kernels.delete(key);
      this.kernels.set(key, kernel);
      size = (kernel.output as number[])[0];
    } else {
      const spec = make();
      kernel = this.ctx.gpu.createKernel(spec.source, {
        output: [spec.size],
        precision: this.ctx.singlePrecision ? 'single' : undefined,
        tactic: 'precision',
        // Our index maths is exact (see indexing.ts); gpu.js's own division fix-up only costs.
        fixIntegerDivisionAccuracy: false,
        dynamicOutput: false,
        dynamicArguments: false,
      } as Parameters<GpujsContext['gpu']['createKernel']>[1]);
      this.compiled++;
      this.kernels.set(key, kernel);
      size = spec.size;
      this.evict();
    }
    const out = kernel(...(args as Float32Array[])) as unknown;
    this.runs++;
    return copyOut(out, size, key);
  }

  /** Destroys every kernel (their GL programs and textures). */
  clear(): void {
    for (const k of this.kernels.values()) void k.destroy();
    this.kernels.clear();
  }

  private evict(): void {
    while (this.kernels.size > this.capacity) {
      const [oldest, k] = this.kernels.entries().next().value as [string, IKernelRunShortcut];
      this.kernels.delete(oldest);
      void k.destroy();
    }
  }
}

function copyOut(out: unknown, size: number, key: string): Float32Array {
  // Copy into an array of this realm, whatever realm gpu.js made its output in.
  if (Array.isArray(out) || ArrayBuffer.isView(out)) {
    const src = out as unknown as ArrayLike<number>;
    if (src.length < size) throw new Error(`gpujs kernel '${key}' returned ${src.length} values, expected ${size}`);
    const copy = new Float32Array(size);
    for (let i = 0; i < size; i++) copy[i] = src[i];
    return copy;
  }
  throw new Error(`gpujs kernel '${key}' returned ${typeof out}, expected a Float32Array of ${size} values`);
}
