/**
 * Kernel threads for agon's wasm kernels: `agon-kernels-threads.wasm` (the same C, built for a
 * shared memory) instantiated over one shared `WebAssembly.Memory` by the calling thread and by
 * `threads - 1` workers (`wasm/agon-kernels-thread.js`: worker_threads in Node, module Web
 * Workers in browsers). The caller copies a kernel's operands (a GEMM product's, fused
 * attention's) into that memory, writes each worker's kernel calls there, wakes them with
 * `Atomics.notify`, runs its own share and waits
 * with `Atomics.wait` (so it must be allowed to block: Node, or a Web Worker — never a browser's
 * main thread). Workers are unref'd in Node (a process exits without stopping them) and leave by
 * themselves after {@link IDLE_MS} without work; the caller then does their share itself and
 * starts them again, so results never depend on which threads are up.
 */
import { isNode } from '../../backend/gradients.js';
import { importNodeBuiltin } from '../../node-builtin.js';
import { compileKernels, nodeFilePath, packageFileUrl, type KernelExports } from './module.js';

/** The shared-memory build of the kernels. */
export const THREAD_KERNELS_WASM = 'agon-kernels-threads.wasm';
/** The kernel thread's script, beside the binaries. */
export const THREAD_SCRIPT = 'agon-kernels-thread.js';
/** How long a worker without work waits before it leaves (restarted on the next product). */
export const IDLE_MS = 10_000;

/**
 * Products of fewer flops (2·batch·M·N·K) than this run on the calling thread, in place on tfjs'
 * heap: below it, copying operands into the threads' memory and waking them cost more than the
 * split saves. Measured on an idle 2-core machine (docs/benchmarks.md, "agon's kernel threads"):
 * stories260K's 45-MFLOP products run 1.2–1.4× on 2 threads and its 17-MFLOP ones no faster, and a
 * training step is 2–5% faster with this threshold than with 50 or 16 MFLOP. Under other jobs'
 * load the second thread waits for a core and the crossover moves up (`threadMinFlops`).
 */
export const THREAD_MIN_FLOPS = 32e6;

/** Worker states (one word per worker; agon-kernels-thread.js uses the same values). */
const GONE = 0;
const IDLE = 1;
const CLAIMED = 2;
/** Set by the caller when it starts a worker, until the worker says it is idle. */
const STARTING = 3;

const PAGE = 65536;
/** Pages of the module's declared maximum (2 GiB, native/build.sh). */
const MAX_PAGES = 32768;
const STACK_BYTES = 64 * 1024;
/** gemm_f32's arguments, scratch last. */
export const GEMM_ARGC = 21;

/**
 * The kernels a thread can run, by index (a task row's first number). Any call may take up to
 * {@link ROW_WIDTH} − 1 arguments; a row is padded with zeros, which a wasm export ignores.
 */
export const THREAD_FUNCTIONS = ['gemm_f32', 'attention_f32', 'attention_grad_f32'] as const;
/** Numbers in a task row: the function's index, then its arguments (attention_grad_f32 has 23). */
export const ROW_WIDTH = 24;

/** One gemm_f32 call without its scratch argument (the thread running it adds its own). */
export type GemmCall = number[];

/** One call of THREAD_FUNCTIONS[fn] with all its arguments (scratch included). */
export interface KernelCall {
  fn: number;
  args: number[];
}

interface WorkerLike {
  postMessage(m: unknown): void;
  terminate(): unknown;
}

/** Starts one kernel thread, reporting its messages ('ready' or 'error') and its exit. */
type SpawnWorker = (onMessage: (m: { type: string; message?: string }) => void, onExit: () => void) => WorkerLike;

interface Slot {
  worker: WorkerLike | null;
  /** Why the last start failed; no further starts are tried. */
  failure?: string;
}

const align = (n: number, to: number) => Math.ceil(n / to) * to;

/** Threads sharing one memory; see the file's comment. */
export class KernelPool {
  private readonly slots: Slot[] = [];
  private stopped = false;
  /** Products run so far (for tests: a product above the threshold went through the threads). */
  runs = 0;
  /** Products of fewer flops run on the calling thread alone (see {@link THREAD_MIN_FLOPS}). */
  minFlops = 0;
  /** Byte offset where per-product data (task tables, operands) starts. */
  private readonly dyn: number;
  private readonly ctrl: number;

  private constructor(
    readonly threads: number,
    readonly memory: WebAssembly.Memory,
    private readonly module: WebAssembly.Module,
    private readonly main: KernelExports,
    private readonly scratch: number[],
    private readonly stackTops: number[],
    ctrl: number,
    dyn: number,
    private readonly spawnWorker: SpawnWorker,
    private readonly idleMs: number,
  ) {
    this.ctrl = ctrl;
    this.dyn = dyn;
  }

  /**
   * Starts `threads - 1` workers over a fresh shared memory and resolves when all are serving.
   * `wasmPaths`: where a browser fetches the binaries and the thread script. `idleMs`: how long a
   * worker without work waits before it leaves.
   */
  static async start(threads: number, wasmPaths?: string, idleMs = IDLE_MS): Promise<KernelPool> {
    const module = await compileKernels(wasmPaths, THREAD_KERNELS_WASM);
    const spawn = await workerFactory(wasmPaths);
    // Layout: the module's own region, control words, one stack and one GEMM scratch per thread.
    const probe = new WebAssembly.Memory({ initial: 2, maximum: MAX_PAGES, shared: true });
    const first = new WebAssembly.Instance(module, { env: { memory: probe } }).exports as unknown as KernelExports & { __heap_base: WebAssembly.Global };
    const heapBase = first.__heap_base.value as number;
    const scratchBytes = first.gemm_scratch_floats() * 4;
    const ctrl = align(heapBase, 64);
    const stacks = align(ctrl + 16 * (threads + 1), 64);
    const scratchBase = stacks + threads * STACK_BYTES;
    const dyn = align(scratchBase + threads * scratchBytes, 64);
    const memory = new WebAssembly.Memory({ initial: Math.ceil(dyn / PAGE) + 1, maximum: MAX_PAGES, shared: true });
    const stackTops = Array.from({ length: threads }, (_, t) => stacks + (t + 1) * STACK_BYTES);
    const scratch = Array.from({ length: threads }, (_, t) => scratchBase + t * scratchBytes);
    const main = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as KernelExports & { __stack_pointer: WebAssembly.Global };
    main.__stack_pointer.value = stackTops[0];
    const pool = new KernelPool(threads, memory, module, main, scratch, stackTops, ctrl, dyn, spawn, idleMs);
    try {
      await Promise.all(Array.from({ length: threads - 1 }, (_, i) => pool.spawn(i + 1)));
    } catch (err) {
      pool.stop();
      throw err;
    }
    return pool;
  }

  /** Int32 word indexes of the header (generation, pending count, failed thread) and of thread t's words. */
  private get gen() {
    return this.ctrl / 4;
  }
  private stateOf(t: number) {
    return this.ctrl / 4 + 4 * t;
  }

  private words(): Int32Array {
    return new Int32Array(this.memory.buffer);
  }

  /** Starts worker `t`; resolves when it serves, rejects with its error. */
  private spawn(t: number): Promise<void> {
    const slot = (this.slots[t] ??= { worker: null });
    Atomics.store(this.words(), this.stateOf(t), STARTING);
    return new Promise<void>((resolve, reject) => {
      const worker = this.spawnWorker(
        (m) => {
          if (m.type === 'ready') resolve();
          else {
            slot.failure = `kernel thread ${t} failed to start: ${m.message ?? 'unknown error'}`;
            reject(new Error(`agon wasm threads: ${slot.failure}`));
          }
        },
        () => {
          if (slot.worker === worker) slot.worker = null;
          reject(new Error(`agon wasm threads: kernel thread ${t} exited before it was ready`));
        },
      );
      slot.worker = worker;
      const s = this.stateOf(t);
      worker.postMessage({
        module: this.module,
        memory: this.memory,
        fns: THREAD_FUNCTIONS,
        width: ROW_WIDTH,
        gen: this.gen,
        pending: this.gen + 1,
        failed: this.gen + 2,
        state: s,
        ptr: s + 1,
        count: s + 2,
        stackTop: this.stackTops[t],
        idleMs: this.idleMs,
      });
    });
  }

  /**
   * Makes room for `bytes` of operands after the resident operand and the task tables for `rows`
   * calls per worker; returns the operands' byte offset, or undefined when the memory cannot grow
   * that far.
   */
  reserve(bytes: number, rows: number): number | undefined {
    const base = this.tables() + align((this.threads - 1) * rows * ROW_WIDTH * 8, 64);
    return this.grow(base + bytes) ? base : undefined;
  }

  /** Grows the memory to hold `end` bytes; false when it cannot. */
  private grow(end: number): boolean {
    const need = Math.ceil(end / PAGE);
    const have = this.memory.buffer.byteLength / PAGE;
    if (need > MAX_PAGES) return false;
    if (need > have) {
      try {
        this.memory.grow(need - have);
      } catch {
        return false;
      }
    }
    return true;
  }

  /** Where the task tables start: after the resident operand's room. */
  private tables(): number {
    return this.dyn + this.residentRoom;
  }

  /** Bytes kept for the resident operand (grown to the largest asked for). */
  private residentRoom = 0;
  private residentKey: { key: object; bytes: number } | undefined;

  /**
   * The byte offset of an operand that stays in this memory between calls (one at a time: a
   * weight that consecutive products share, such as the output layer's in every chunk of the
   * token log-probs and every decoding step). `key` identifies its bytes — a tfjs dataId, whose
   * data never changes — and `fill(at)` copies them to `at` when they are not there already.
   * Undefined when the memory cannot hold them. Call before {@link reserve}.
   */
  resident(key: object, bytes: number, fill: (at: number) => void): number | undefined {
    const at = this.dyn;
    if (this.residentKey?.key === key && this.residentKey.bytes === bytes) {
      this.residentHits++;
      return at;
    }
    this.residentKey = undefined;
    this.residentCopies++;
    const room = align(bytes, 64);
    if (!this.grow(at + room)) return undefined;
    this.residentRoom = Math.max(this.residentRoom, room);
    fill(at);
    this.residentKey = { key, bytes };
    return at;
  }

  /** Resident operands copied so far and calls that found theirs already there (for tests). */
  get residentStats(): { hits: number; copies: number } {
    return { hits: this.residentHits, copies: this.residentCopies };
  }
  private residentHits = 0;
  private residentCopies = 0;

  /** The memory as bytes (taken fresh: growing replaces the buffer). */
  bytes(): Uint8Array {
    return new Uint8Array(this.memory.buffer);
  }

  /**
   * Runs `shares[t]` on thread t (thread 0 is the caller) and `local` on the caller meanwhile
   * (work of its own outside this memory), and returns when all are done. The share of a worker
   * that is gone or still starting runs here, on the caller; it is started again for next time.
   * Call {@link reserve} first with at least the largest share's length.
   */
  run(shares: GemmCall[][], local?: () => void): void {
    this.runCalls(
      shares.map((share, t) => share.map((call) => ({ fn: 0, args: [...call, this.scratch[t]] }))),
      local,
    );
  }

  /**
   * {@link run} for calls of any of {@link THREAD_FUNCTIONS}, each with every argument given (a
   * GEMM call here carries a scratch of its own thread: use {@link run} for those).
   */
  runCalls(shares: KernelCall[][], local?: () => void): void {
    if (this.stopped) throw new Error('agon wasm threads: the kernel threads were stopped');
    this.runs++;
    const w = this.words();
    const mine = shares[0].slice();
    let claimed = 0;
    const table = this.tables();
    const rowsPer = Math.max(0, ...shares.slice(1).map((s) => s.length));
    for (let t = 1; t < this.threads; t++) {
      const share = shares[t] ?? [];
      if (!share.length) continue;
      const s = this.stateOf(t);
      if (Atomics.compareExchange(w, s, IDLE, CLAIMED) !== IDLE) {
        mine.push(...share.map((c) => (c.fn === 0 ? { fn: 0, args: [...c.args.slice(0, GEMM_ARGC - 1), this.scratch[0]] } : c)));
        if (Atomics.load(w, s) === GONE) this.restart(t);
        continue;
      }
      const ptr = table + (t - 1) * rowsPer * ROW_WIDTH * 8;
      const rows = new Float64Array(this.memory.buffer, ptr, share.length * ROW_WIDTH);
      rows.fill(0);
      share.forEach((call, r) => {
        rows[r * ROW_WIDTH] = call.fn;
        rows.set(call.args, r * ROW_WIDTH + 1);
      });
      Atomics.store(w, s + 1, ptr);
      Atomics.store(w, s + 2, share.length);
      claimed++;
    }
    if (claimed) {
      Atomics.store(w, this.gen + 2, 0);
      Atomics.store(w, this.gen + 1, claimed);
      Atomics.add(w, this.gen, 1);
      Atomics.notify(w, this.gen);
    }
    try {
      local?.();
      for (const call of mine) (this.main[THREAD_FUNCTIONS[call.fn]] as (...a: number[]) => void)(...call.args);
    } finally {
      for (let p; claimed && (p = Atomics.load(w, this.gen + 1)) !== 0; ) Atomics.wait(w, this.gen + 1, p);
    }
    const failed = Atomics.load(w, this.gen + 2);
    if (failed) throw new Error(`agon wasm threads: kernel thread ${(failed - this.ctrl / 4) / 4} trapped in a kernel`);
  }

  /** The kernels instantiated over this memory on the calling thread (for work done before a run). */
  kernels(): KernelExports {
    return this.main;
  }

  /** Starts worker t again after it left for idleness (not after a failed start). */
  private restart(t: number): void {
    const slot = this.slots[t];
    if (slot?.failure || this.stopped) return;
    this.spawn(t).catch(() => undefined); // a failure is kept in the slot; its share stays on the caller
  }

  /** Terminates the workers; the pool cannot run again. */
  stop(): void {
    this.stopped = true;
    for (const slot of this.slots) {
      if (!slot?.worker) continue;
      void slot.worker.terminate();
      slot.worker = null;
    }
  }

  /** Workers serving now (idle or working), for tests. */
  liveWorkers(): number {
    const w = this.words();
    let n = 0;
    for (let t = 1; t < this.threads; t++) if ([IDLE, CLAIMED].includes(Atomics.load(w, this.stateOf(t)))) n++;
    return n;
  }
}

/** How this runtime starts a kernel thread (a Node worker from the file, or a module Web Worker). */
async function workerFactory(wasmPaths?: string): Promise<SpawnWorker> {
  const url = packageFileUrl(THREAD_SCRIPT, wasmPaths);
  if (isNode() && url.protocol === 'file:') {
    const { Worker } = await importNodeBuiltin<typeof import('node:worker_threads')>('node:worker_threads');
    const file = await nodeFilePath(url, THREAD_SCRIPT);
    return (onMessage, onExit) => {
      // No execArgv: the parent's flags (--input-type, --experimental-vm-modules, loaders) are
      // not for this plain script, and some refuse a file entry.
      const worker = new Worker(file, { execArgv: [] });
      worker.unref();
      // A worker sends one message ('ready' or 'error'); a listener left on would keep the process alive.
      worker.once('message', onMessage);
      worker.on('error', (err) => onMessage({ type: 'error', message: err.message }));
      worker.on('exit', onExit);
      return worker;
    };
  }
  return (onMessage, onExit) => {
    const worker = new Worker(url, { type: 'module' });
    worker.onmessage = (e: MessageEvent<{ type: string; message?: string }>) => onMessage(e.data);
    worker.onerror = (e) => {
      onMessage({ type: 'error', message: e.message || `cannot load ${url.href}` });
      onExit();
    };
    return worker;
  };
}

/**
 * Whether kernel threads can run here: `true`, or why not in words (no SharedArrayBuffer because
 * the page is not cross-origin isolated, a browser's main thread that may not block, no workers).
 */
export function threadSupport(): true | string {
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown; WorkerGlobalScope?: unknown; document?: unknown };
  if (!isNode()) {
    if (g.crossOriginIsolated !== true || typeof SharedArrayBuffer === 'undefined') return 'the page is not cross-origin isolated (no SharedArrayBuffer)';
    if (typeof g.WorkerGlobalScope === 'undefined') return "a browser's main thread may not block (Atomics.wait); run agon in a Web Worker";
    if (typeof g.Worker !== 'function') return 'this browser cannot start a Web Worker from a worker';
  }
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  } catch {
    return 'this runtime has no shared WebAssembly.Memory';
  }
  return true;
}

/** The cores present: `os.availableParallelism()` in Node, `navigator.hardwareConcurrency` in browsers. */
export async function coresPresent(): Promise<number> {
  if (isNode()) {
    const os = await importNodeBuiltin<typeof import('node:os')>('node:os');
    return os.availableParallelism?.() ?? os.cpus().length;
  }
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof n === 'number' && n >= 1 ? Math.floor(n) : 1;
}

let pool: KernelPool | undefined;
let starting: Promise<unknown> = Promise.resolve();

/** The running kernel threads, if more than one thread was asked for and could start. */
export function kernelPool(): KernelPool | undefined {
  return pool;
}

/**
 * Runs agon's GEMM and fused attention on `threads` threads from now on (1: stops the workers;
 * the kernels then run in place on tfjs' heap, on the calling thread). Resolves when the workers serve. `idleMs`: how
 * long a worker without work waits before it leaves. `minFlops`: products (and attention calls) of fewer flops stay on
 * the calling thread (default {@link THREAD_MIN_FLOPS}; tests lower it to split small shapes).
 */
export function setKernelThreads(threads: number, wasmPaths?: string, idleMs = IDLE_MS, minFlops?: number): Promise<void> {
  const next = starting.then(async () => {
    if ((pool?.threads ?? 1) !== threads) {
      pool?.stop();
      pool = undefined;
      if (threads > 1) pool = await KernelPool.start(threads, wasmPaths, idleMs);
    }
    if (pool) pool.minFlops = minFlops ?? THREAD_MIN_FLOPS;
  });
  starting = next.catch(() => undefined);
  return next;
}
