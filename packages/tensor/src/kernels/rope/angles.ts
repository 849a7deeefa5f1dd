/**
 * `ropeCosSin`: the cos and signed sin RoPE rotates by, for int32 positions, as one kernel
 * (`AgonRopeCosSin`) on cpu and wasm: positions are read where the backend keeps them (its
 * arrays, the wasm heap) and every angle is taken in float64 with Math.cos / Math.sin, so a
 * decoding step spends one dispatch on its angles instead of the dozen ops of a table lookup
 * composed from tfjs ops. GPU backends have no such kernel (their positions live on the device);
 * there the caller composes its own.
 */
import * as tf from '@tensorflow/tfjs-core';
import { hostArrays, type HostBackend } from '../host-arrays.js';
import { kernelInput, registerOnce, type KernelArgs } from '../registry.js';

/** Name of the kernel: input positions [B, T] int32; attrs freq and sign [D]; outputs cos, sin [B, T, 1, D]. */
export const ROPE_COS_SIN_KERNEL = 'AgonRopeCosSin';
/** Backends that have it. */
export const ROPE_COS_SIN_BACKENDS = ['cpu', 'wasm'] as const;

function cosSinKernel({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo[] {
  const positions = kernelInput(inputs, 'positions', ROPE_COS_SIN_KERNEL);
  const { freq, sign } = attrs as { freq: number[]; sign: number[] };
  const [B, T] = positions.shape;
  const D = freq.length;
  const io = hostArrays(backend as HostBackend, [positions], [[B, T, 1, D], [B, T, 1, D]], ROPE_COS_SIN_KERNEL);
  const pos = io.ints[0];
  if (!pos) throw new Error(`${ROPE_COS_SIN_KERNEL}: positions must be int32`);
  const [cos, sin] = io.outArrays;
  for (let r = 0; r < B * T; r++) {
    const p = pos[r];
    for (let d = 0; d < D; d++) {
      const a = p * freq[d];
      cos[r * D + d] = Math.cos(a);
      sin[r * D + d] = sign[d] * Math.sin(a);
    }
  }
  return io.finish();
}

/**
 * cos(p·freq) and sign·sin(p·freq), each [B, T, 1, D], for int32 `positions` [B, T], computed in
 * float64 — on cpu and wasm; `undefined` on other backends, where the caller composes them.
 *
 * @throws naming the shapes when positions is not [B, T] int32 or freq and sign differ in length.
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { ropeCosSin } from '@agon/tensor';
 * const pos = tf.tensor2d([[0, 1, 2]], [1, 3], 'int32');
 * const angles = ropeCosSin(pos, [1, 1, 0.01, 0.01], [-1, 1, -1, 1]); // { cos, sin } [1, 3, 1, 4] on cpu/wasm
 * ```
 */
export function ropeCosSin(positions: tf.Tensor, freq: ArrayLike<number>, sign: ArrayLike<number>): { cos: tf.Tensor4D; sin: tf.Tensor4D } | undefined {
  if (positions.rank !== 2 || positions.dtype !== 'int32') {
    throw new Error(`ropeCosSin: positions must be [B, T] int32; got [${positions.shape.join(', ')}] ${positions.dtype}`);
  }
  if (freq.length !== sign.length) throw new Error(`ropeCosSin: freq (${freq.length}) and sign (${sign.length}) must have the same length D`);
  if (!(ROPE_COS_SIN_BACKENDS as readonly string[]).includes(tf.getBackend())) return undefined;
  registerOnce(ROPE_COS_SIN_KERNEL, ROPE_COS_SIN_BACKENDS, cosSinKernel);
  const attrs = { freq: Array.from(freq), sign: Array.from(sign) } as unknown as tf.NamedAttrMap;
  const [cos, sin] = tf.engine().runKernel(ROPE_COS_SIN_KERNEL, { positions }, attrs) as tf.Tensor4D[];
  return { cos, sin };
}
