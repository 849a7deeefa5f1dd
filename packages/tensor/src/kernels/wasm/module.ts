/**
 * agon's own WebAssembly kernels (C compiled with 128-bit SIMD, `packages/tensor/native`), run in
 * place on the heap of tfjs' wasm backend: the module imports that backend's
 * `WebAssembly.Memory`, so kernels read inputs and write outputs where tfjs keeps its tensors,
 * without copies. Scratch and the module's (unused) shadow stack are allocated with the backend's
 * own `malloc`, so nothing of tfjs' heap is overwritten.
 */
import * as tf from '@tensorflow/tfjs-core';
import { isNode } from '../../backend/gradients.js';
import { importNodeBuiltin } from '../../node-builtin.js';

/** The file name of the compiled kernels, shipped in the package's `wasm/` folder. */
export const KERNELS_WASM = 'agon-kernels.wasm';

/** The slice of tfjs-backend-wasm's `BackendWasm` these kernels use. */
export interface WasmBackendHeap {
  wasm: {
    asm: { memory: WebAssembly.Memory };
    HEAPU8: Uint8Array;
    _malloc(bytes: number): number;
    _free(ptr: number): void;
  };
  dataIdMap: { get(id: tf.DataId): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

/** The functions the module exports (see native/*.c). Pointers are byte offsets into the heap. */
export interface KernelExports {
  gemm_scratch_floats(): number;
  gemm_f32(
    m: number, n: number, k: number,
    a: number, rsa: number, csa: number,
    b: number, rsb: number, csb: number,
    c: number,
    bias: number, biasRs: number, biasCs: number,
    act: number, alpha: number,
    prelu: number, preluRs: number, preluCs: number,
    j0: number, j1: number, scratch: number,
  ): void;
  /** y = g·σ(g)·u over n floats (swiglu.c). */
  swiglu_f32(n: number, g: number, u: number, y: number): void;
  /** dg, du of y = g·σ(g)·u given dy, over n floats (swiglu.c). */
  swiglu_grad_f32(n: number, dy: number, g: number, u: number, dg: number, du: number): void;
  /** y [rows, F] = swiglu of each row of gu [rows, 2F] (F gate values, then F up values) (swiglu.c). */
  swiglu_packed_f32(rows: number, F: number, gu: number, y: number): void;
  /** dgu [rows, 2F] (dgate, then dup, in each row) given dy [rows, F] and gu (swiglu.c). */
  swiglu_packed_grad_f32(rows: number, F: number, dy: number, gu: number, dgu: number): void;
  /** y = GELU(x) over n floats, the erf form when exact is 1, else the tanh form (gelu.c). */
  gelu_f32(n: number, exact: number, x: number, y: number): void;
  /** dx = dy·GELU'(x) over n floats (gelu.c). */
  gelu_grad_f32(n: number, exact: number, dy: number, x: number, dx: number): void;
  /** lp, entropy and log-sum-exp of each of N rows of V logits z at int32 targets (logprobs.c). */
  token_logprobs_f32(N: number, V: number, z: number, targets: number, lp: number, ent: number, logZ: number): void;
  /** d logits of Σ dLp·lp + Σ dEnt·entropy + Σ dLogZ·logZ (dLogZ 0: none) (logprobs.c). */
  token_logprobs_grad_f32(N: number, V: number, z: number, targets: number, logZ: number, ent: number, dLp: number, dEnt: number, dLogZ: number, g: number): void;
  /** dx = y·(dy − Σ dy·y) over `rows` rows of n floats (softmax.c). */
  softmax_grad_f32(rows: number, n: number, dy: number, y: number, dx: number): void;
  /** One AdamW step over n floats: x, g, m, v in; x', m', v' out; coefficients float32 (adamw.c). */
  adamw_f32(
    n: number, x: number, g: number, m: number, v: number,
    b1: number, nb1: number, b2: number, nb2: number, c1: number, c2: number, eps: number, lrwd: number, lr: number, decay: number,
    xo: number, mo: number, vo: number,
  ): void;
  /** RMSNorm of `rows` rows of d floats: y and each row's rstd (norm.c). */
  rmsnorm_f32(rows: number, d: number, x: number, w: number, eps: number, y: number, rstd: number): void;
  /** dx and dw (summed over rows) of RMSNorm given dy (norm.c). */
  rmsnorm_grad_f32(rows: number, d: number, dy: number, x: number, w: number, rstd: number, dx: number, dw: number): void;
  /** LayerNorm of `rows` rows of d floats: y and each row's mean and rstd (layernorm.c). */
  layernorm_f32(rows: number, d: number, x: number, w: number, b: number, eps: number, y: number, mean: number, rstd: number): void;
  /** dx, dw and db (both summed over rows) of LayerNorm given dy (layernorm.c). */
  layernorm_grad_f32(rows: number, d: number, dy: number, x: number, w: number, mean: number, rstd: number, dx: number, dw: number, db: number): void;
  /** RoPE of x [rows, heads, d] by cos/sin [rows, d], or its transpose when backward is 1 (rope.c). */
  rope_f32(rows: number, heads: number, d: number, interleaved: number, backward: number, x: number, cos: number, sin: number, y: number): void;
  /** Floats of scratch one attention call needs for Tk keys of D floats (attention.c). */
  attention_scratch_floats(Tk: number, D: number): number;
  /** Each mask row's visible span (from, to, dense: 3 int32) over `rows` rows of Tk values (attention.c). */
  attention_spans(rows: number, Tk: number, mask: number, spans: number): void;
  /** o and lse of attention for the (b, h) pairs [bh0, bh1) (attention.c). */
  attention_f32(
    B: number, T: number, H: number, Hkv: number, Tk: number, D: number, q: number, k: number, v: number,
    mask: number, Bm: number, Hm: number, spans: number, scale: number, o: number, lse: number, scratch: number, bh0: number, bh1: number,
  ): void;
  /** dq of every query head, dk and dv of the (b, kv head) pairs [bg0, bg1) (attention.c). */
  attention_grad_f32(
    B: number, T: number, H: number, Hkv: number, Tk: number, D: number, q: number, k: number, v: number,
    mask: number, Bm: number, Hm: number, spans: number, scale: number, o: number, lse: number, dO: number,
    dq: number, dk: number, dv: number, scratch: number, bg0: number, bg1: number,
  ): void;
  /** Σ exp((x_i − max)/T) over n float32 logits in index order, in float64, each term to `out` unless 0 (sample.c). */
  exp_shifted_f64(n: number, x: number, max: number, temperature: number, out: number): number;
  /** The first index of the largest non-NaN value of n floats, −1 when all are NaN (sample.c). */
  row_max_f32(n: number, x: number): number;
  /** out [segments, width] = Σ of the rows of x [rows, width] with each segment id, in row order; ids outside [0, segments) skipped (segment.c). */
  segment_sum_f32(rows: number, width: number, x: number, ids: number, segments: number, out: number): void;
  /** The same over int32 (sums wrap) (segment.c). */
  segment_sum_i32(rows: number, width: number, x: number, ids: number, segments: number, out: number): void;
}

/** The module instantiated over one backend's heap, with its scratch. */
export interface KernelInstance {
  fns: KernelExports;
  /** Byte offset of the GEMM packing scratch (gemm_scratch_floats() floats). */
  gemmScratch: number;
  backend: WasmBackendHeap;
}

const STACK_BYTES = 64 * 1024;

let compiled: WebAssembly.Module | undefined;
let bytesSync: (() => Uint8Array) | undefined;
const compiling = new Map<string, Promise<WebAssembly.Module>>();
const instances = new WeakMap<object, KernelInstance>();

/**
 * Where one of this package's `wasm/` files is: beside tfjs' own binaries when `wasmPaths` is
 * given, else in this package.
 */
export function packageFileUrl(name: string, wasmPaths?: string): URL {
  return wasmPaths ? new URL(name, new URL(wasmPaths, globalThis.location?.href)) : new URL(`../../../wasm/${name}`, import.meta.url);
}

/**
 * Compiles one of the package's kernel modules once (reading the file in Node, fetching it in a
 * browser). `wasmPaths`: the URL prefix tfjs' binaries are served from; agon's are expected
 * beside them. Default: the single-threaded {@link KERNELS_WASM}.
 */
export function compileKernels(wasmPaths?: string, name: string = KERNELS_WASM): Promise<WebAssembly.Module> {
  if (name === KERNELS_WASM && compiled) return Promise.resolve(compiled);
  let p = compiling.get(name);
  if (p) return p;
  p = (async () => {
    const url = packageFileUrl(name, wasmPaths);
    let bytes: Uint8Array;
    try {
      if (isNode() && url.protocol === 'file:') {
        bytes = await readNodeFile(url, name);
      } else {
        const res = await fetch(url);
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        bytes = new Uint8Array(await res.arrayBuffer());
      }
    } catch (err) {
      compiling.delete(name);
      throw new Error(`agon wasm kernels: cannot load ${url.href} (${err instanceof Error ? err.message : String(err)}); serve ${name} beside tfjs' .wasm files (wasmPaths)`);
    }
    const mod = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
    if (name === KERNELS_WASM) compiled = mod;
    return mod;
  })();
  compiling.set(name, p);
  return p;
}

/**
 * The path of one of the package's `wasm/` files in Node: beside this module's package, or —
 * when a bundler moved this code elsewhere — wherever `@agon/tensor/wasm/<name>` resolves from here.
 */
export async function nodeFilePath(url: URL, name: string): Promise<string> {
  const { existsSync } = await importNodeBuiltin<typeof import('node:fs')>('node:fs');
  const { fileURLToPath } = await importNodeBuiltin<typeof import('node:url')>('node:url');
  const here = fileURLToPath(url);
  if (existsSync(here)) return here;
  const { createRequire } = await importNodeBuiltin<typeof import('node:module')>('node:module');
  try {
    return createRequire(url).resolve(`@agon/tensor/wasm/${name}`);
  } catch {
    throw new Error(`ENOENT: no such file ${here}, nor @agon/tensor/wasm/${name} from there`);
  }
}

async function readNodeFile(url: URL, name: string): Promise<Uint8Array> {
  const { readFile } = await importNodeBuiltin<typeof import('node:fs/promises')>('node:fs/promises');
  return readFile(await nodeFilePath(url, name));
}

/** Compiles synchronously (Node only), for kernels called before {@link compileKernels} ran. */
function compileNow(): WebAssembly.Module {
  if (compiled) return compiled;
  if (!isNode()) throw new Error('agon wasm kernels: not compiled yet; start the backend with initBackend({ backend: "wasm" })');
  bytesSync ??= () => {
    const req = (globalThis as { process?: { getBuiltinModule?: (m: string) => unknown } }).process?.getBuiltinModule?.('node:fs') as
      | { readFileSync(u: URL): Uint8Array }
      | undefined;
    if (!req) throw new Error('agon wasm kernels: not compiled yet; call initBackend({ backend: "wasm" }) first');
    return req.readFileSync(packageFileUrl(KERNELS_WASM));
  };
  compiled = new WebAssembly.Module(bytesSync() as Uint8Array<ArrayBuffer>);
  return compiled;
}

/** The kernel module over `backend`'s heap, instantiated on first use. */
export function kernelsFor(backend: WasmBackendHeap): KernelInstance {
  const have = instances.get(backend);
  if (have) return have;
  const memory = backend.wasm.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) throw new Error('agon wasm kernels: the tfjs wasm backend exposes no WebAssembly.Memory (wasm.asm.memory)');
  const inst = new WebAssembly.Instance(compileNow(), { env: { memory } });
  const ex = inst.exports as unknown as KernelExports & { __stack_pointer: WebAssembly.Global };
  const stack = backend.wasm._malloc(STACK_BYTES) >>> 0;
  ex.__stack_pointer.value = stack + STACK_BYTES;
  const gemmScratch = backend.wasm._malloc(ex.gemm_scratch_floats() * 4) >>> 0;
  const k: KernelInstance = { fns: ex, gemmScratch, backend };
  instances.set(backend, k);
  return k;
}

/** Byte offset of a tensor's data on the heap. */
export function heapOffset(backend: WasmBackendHeap, t: tf.TensorInfo): number {
  return backend.dataIdMap.get(t.dataId).memoryOffset;
}

/**
 * Runs one of the module's kernels in place on `backend`'s heap: allocates float32 outputs of
 * `outShapes`, then calls `call` with the kernels and the byte offsets of `inputs` and of the
 * outputs; returns the outputs.
 *
 * @example
 * ```ts
 * const [y] = onHeap(backend, [g, u], [g.shape], (fns, [pg, pu], [py]) => fns.swiglu_f32(n, pg, pu, py));
 * ```
 */
export function onHeap(
  backend: WasmBackendHeap,
  inputs: tf.TensorInfo[],
  outShapes: number[][],
  call: (fns: KernelExports, ins: number[], outs: number[]) => void,
): tf.TensorInfo[] {
  const { fns } = kernelsFor(backend);
  const outs = outShapes.map((s) => backend.makeOutput(s, 'float32'));
  call(fns, inputs.map((t) => heapOffset(backend, t)), outs.map((t) => heapOffset(backend, t)));
  return outs;
}
