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
  /** Number of threads; the kernel runs with `this.thread.x` in [0, size). */
  size: number;
  /** Values each thread returns: 1 (a float, the default) or 4 (`return [a, b, c, d]`). */
  lanes?: 1 | 4;
}

/** Kernels compiled by one gpu.js instance, keyed by a string that fixes their shapes. */
export class KernelCache {
  private readonly kernels = new Map<string, IKernelRunShortcut>();
  /** Output length (threads × lanes) of each held kernel. */
  private readonly lengths = new WeakMap<IKernelRunShortcut, number>();
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
   * a fresh Float32Array of `size × lanes` values: gpu.js may reuse its output buffer on the next
   * call, so the result is copied out.
   */
  run(key: string, make: () => KernelSpec, args: readonly (Float32Array | number)[]): Float32Array {
    let kernel = this.kernels.get(key);
    if (kernel) {
      // Refresh its place in the LRU order.
      this.kernels.delete(key);
      this.kernels.set(key, kernel);
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
        ...(spec.lanes === 4 ? { returnType: 'Array(4)' } : {}),
      } as Parameters<GpujsContext['gpu']['createKernel']>[1]);
      this.compiled++;
      this.kernels.set(key, kernel);
      this.lengths.set(kernel, spec.size * (spec.lanes ?? 1));
      this.evict();
    }
    const out = kernel(...(args as Float32Array[])) as unknown;
    this.runs++;
    return copyOut(out, this.lengths.get(kernel) ?? 0, key);
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
  // 4-lane kernels return one 4-array per thread.
  if (Array.isArray(out) && out.length > 0 && typeof out[0] !== 'number') {
    const rows = out as ArrayLike<number>[];
    const copy = new Float32Array(size);
    if (rows.length * 4 !== size) throw new Error(`gpujs kernel '${key}' returned ${rows.length} 4-vectors, expected ${size / 4}`);
    for (let t = 0; t < rows.length; t++) {
      const r = rows[t];
      copy[4 * t] = r[0];
      copy[4 * t + 1] = r[1];
      copy[4 * t + 2] = r[2];
      copy[4 * t + 3] = r[3];
    }
    return copy;
  }
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
