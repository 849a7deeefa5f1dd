/**
 * `fusedAttention`: softmax(scale·q·kᵀ + mask)·v with grouped-query heads, in the layouts a
 * decoder already has (q [B, T, H, D], k/v [B, Hkv, Tk, D] as in the KV cache), returning
 * [B, T, H, D]. On cpu and wasm it runs one fused kernel (on wasm native/attention.c, 128-bit
 * SIMD) with a hand-written gradient that never stores the [B, H, T, Tk] scores and skips keys
 * the mask hides; on GPU backends it composes tfjs ops. On wasm the fused kernel replaced tfjs
 * ops composed over agon's GEMM: 1.5× faster forward and backward at stories260K's training shape
 * (docs/benchmarks.md, "Fused attention in C"), 3.5× less peak memory, and one dispatch per
 * layer instead of about ten when decoding.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ATTENTION_BACKENDS, ATTENTION_GRAD_KERNEL, ATTENTION_KERNEL, registerAttentionKernels } from './kernels.js';

function checkShapes(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask: tf.Tensor | undefined): void {
  const [B, T, H, D] = q.shape;
  const fail = (what: string) => {
    throw new Error(`fusedAttention: ${what} (q [${q.shape.join(', ')}], k [${k.shape.join(', ')}], v [${v.shape.join(', ')}]${mask ? `, mask [${mask.shape.join(', ')}]` : ''})`);
  };
  if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4) fail('q, k and v must be rank 4: q [B, T, H, D], k and v [B, Hkv, Tk, D]');
  const [Bk, Hkv, Tk, Dk] = k.shape;
  if (Bk !== B || Dk !== D || v.shape.some((s, i) => s !== k.shape[i])) fail('k and v must be [B, Hkv, Tk, D] with q\'s B and D');
  if (H % Hkv !== 0) fail('the query heads H must be a multiple of the key/value heads Hkv');
  if (mask) {
    const [Bm, Hm, Tm, Tkm] = mask.shape;
    if (mask.rank !== 4 || (Bm !== 1 && Bm !== B) || (Hm !== 1 && Hm !== H) || Tm !== T || Tkm !== Tk) fail('mask must be [1 or B, 1 or H, T, Tk]');
  }
  if (q.dtype !== 'float32' || k.dtype !== 'float32' || v.dtype !== 'float32' || (mask && mask.dtype !== 'float32')) fail('every input must be float32');
}

/** The same maths with tfjs ops (any backend; used where the fused kernel is not registered). */
function composed(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, mask: tf.Tensor | undefined, scale: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [B, T, H, D] = q.shape;
    const [, Hkv, Tk] = k.shape;
    const rep = H / Hkv;
    // [B,T,H,D] ↔ [B,H,T,D] moves no byte when T is 1 (a decoding step): a reshape there.
    const swap = (t: tf.Tensor, shape: number[]) => (T === 1 ? tf.reshape(t, shape) : tf.transpose(t, [0, 2, 1, 3]));
    const qg = tf.reshape(swap(tf.mul(q, scale), [B, H, T, D]), [B, Hkv, rep * T, D]);
    let scores = tf.reshape(tf.matMul(qg, k, false, true), [B, H, T, Tk]);
    if (mask) scores = tf.add(scores, mask);
    const probs = tf.reshape(tf.softmax(scores), [B, Hkv, rep * T, Tk]);
    const att = tf.reshape(tf.matMul(probs, v), [B, H, T, D]);
    return swap(att, [B, T, H, D]) as tf.Tensor4D;
  });
}

/**
 * Options of {@link fusedAttention}.
 *
 * @example
 * ```ts
 * const o: AttentionOptions = { kernel: 'fused' };
 * ```
 */
export interface AttentionOptions {
  /** 1/√D unless given. */
  scale?: number;
  /** `auto` (default): fused on cpu and wasm, composed elsewhere; `composed` forces tfjs ops (`fused` is `auto`: the kernel exists on cpu/wasm only). */
  kernel?: 'auto' | 'fused' | 'composed';
}

/** Whether a gradient tape is recording (inside tf.grad / variableGrads and not inside a kernel). */
function tapeOn(): boolean {
  const engine = tf.engine() as unknown as { isTapeOn?: () => boolean };
  return engine.isTapeOn ? engine.isTapeOn() : true;
}

type Fused = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, ...rest: tf.Tensor[]) => tf.Tensor;
const fused = new Map<number, { masked: Fused; plain: Fused }>();

/** customGrad wrappers for one scale (attrs cannot be passed through customGrad). */
function fusedFor(scale: number): { masked: Fused; plain: Fused } {
  let f = fused.get(scale);
  if (f) return f;
  const run = (ins: Record<string, tf.Tensor>, save: (t: tf.Tensor[]) => void) => {
    const [o, lse] = tf.engine().runKernel(ATTENTION_KERNEL, ins, { scale }) as tf.Tensor[];
    save([...Object.values(ins), o, lse]);
    return o;
  };
  const grads = (dy: tf.Tensor, saved: tf.Tensor[], masked: boolean): tf.Tensor[] => {
    const [q, k, v, ...rest] = saved;
    const mask = masked ? rest[0] : undefined;
    const [o, lse] = masked ? rest.slice(1) : rest;
    const ins: Record<string, tf.Tensor> = { dy, q, k, v, o, lse, ...(mask ? { mask } : {}) };
    const [dq, dk, dv] = tf.engine().runKernel(ATTENTION_GRAD_KERNEL, ins, { scale }) as tf.Tensor[];
    return mask ? [dq, dk, dv, tf.zerosLike(mask)] : [dq, dk, dv];
  };
  f = {
    masked: tf.customGrad(((q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask: tf.Tensor, save: (t: tf.Tensor[]) => void) => ({
      value: run({ q, k, v, mask }, save),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => grads(dy, saved, true),
    })) as never) as unknown as Fused,
    plain: tf.customGrad(((q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, save: (t: tf.Tensor[]) => void) => ({
      value: run({ q, k, v }, save),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => grads(dy, saved, false),
    })) as never) as unknown as Fused,
  };
  fused.set(scale, f);
  return f;
}

/**
 * Attention of queries q [B, T, H, D] over keys k and values v [B, Hkv, Tk, D] (query head h
 * reads key/value head ⌊h·Hkv/H⌋), with an optional additive `mask` [1 or B, 1 or H, T, Tk]
 * (0 = visible, ≤ −1e8 or −∞ = hidden). Returns [B, T, H, D]. Differentiable in q, k and v.
 *
 * @throws naming the shapes when they do not fit together.
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { fusedAttention } from '@agon/tensor';
 * const q = tf.randomNormal([1, 4, 8, 8]);                 // B=1, T=4, H=8, D=8
 * const kv = tf.randomNormal([1, 4, 4, 8]);                // Hkv=4, Tk=4
 * const y = fusedAttention(q, kv, kv);                     // [1, 4, 8, 8]
 * ```
 */
export function fusedAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask?: tf.Tensor, opts: AttentionOptions = {}): tf.Tensor4D {
  checkShapes(q, k, v, mask);
  const D = q.shape[3] as number;
  const s = opts.scale ?? 1 / Math.sqrt(D);
  const cpuSide = (ATTENTION_BACKENDS as readonly string[]).includes(tf.getBackend());
  if (!cpuSide || opts.kernel === 'composed') {
    return composed(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, mask, s);
  }
  registerAttentionKernels();
  if (!tapeOn()) {
    // Nothing records gradients (decoding): the kernel alone, its log-sum-exp output dropped.
    const [o, lse] = tf.engine().runKernel(ATTENTION_KERNEL, mask ? { q, k, v, mask } : { q, k, v }, { scale: s }) as tf.Tensor[];
    lse.dispose();
    return o as tf.Tensor4D;
  }
  const f = fusedFor(s);
  return (mask ? f.masked(q, k, v, mask) : f.plain(q, k, v)) as tf.Tensor4D;
}
