/**
 * The host side of agon's cpu/wasm kernels (attention, RMSNorm): float32 views of a kernel call's
 * inputs and fresh outputs on whichever of the two backends runs it.
 */
import type * as tf from '@tensorflow/tfjs-core';

/** The slices of the cpu and wasm backends the kernels use. */
export interface HostBackend {
  readSync(dataId: tf.DataId): ArrayLike<number>;
  makeOutput?(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap?(t: tf.TensorInfo): Float32Array | Int32Array;
  makeTensorInfo?(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

/**
 * Host views of a kernel's inputs and float32 outputs on the cpu or wasm backend: on wasm the
 * backend's heap in place (no copies), on cpu its arrays. Float32 inputs are viewed in `ins`,
 * int32 ones in `ints` (each list holds `undefined` at the other kind's places). Allocates outputs
 * first (growing the wasm heap detaches views taken before), then views inputs; `finish` returns
 * the outputs.
 *
 * @example
 * ```ts
 * const io = hostArrays(backend, [x], [x.shape], 'MyKernel');
 * io.outArrays[0].set(io.ins[0]!);
 * return io.finish();
 * ```
 */
export function hostArrays(backend: HostBackend, inputs: (tf.TensorInfo | undefined)[], outShapes: number[][], kernel: string) {
  const { makeOutput, typedArrayFromHeap, makeTensorInfo } = backend;
  if (makeOutput && typedArrayFromHeap) {
    const outs = outShapes.map((s) => makeOutput.call(backend, s, 'float32'));
    const view = (t: tf.TensorInfo) => typedArrayFromHeap.call(backend, t);
    const f32 = (t: tf.TensorInfo | undefined) => (t && t.dtype !== 'int32' ? (view(t) as Float32Array) : undefined);
    const i32 = (t: tf.TensorInfo | undefined) => (t && t.dtype === 'int32' ? (view(t) as Int32Array) : undefined);
    return { ins: inputs.map(f32), ints: inputs.map(i32), outArrays: outs.map((t) => view(t) as Float32Array), finish: () => outs };
  }
  if (!makeTensorInfo) throw new Error(`${kernel}: the backend is neither cpu nor wasm`);
  const outArrays = outShapes.map((s) => new Float32Array(s.reduce((a, b) => a * b, 1)));
  return {
    ins: inputs.map((t) => (t && t.dtype !== 'int32' ? asFloat32(backend.readSync(t.dataId)) : undefined)),
    ints: inputs.map((t) => (t && t.dtype === 'int32' ? asInt32(backend.readSync(t.dataId)) : undefined)),
    outArrays,
    finish: () => outArrays.map((a, i) => makeTensorInfo.call(backend, outShapes[i], 'float32', a)),
  };
}

function asFloat32(a: ArrayLike<number>): Float32Array {
  return a instanceof Float32Array ? a : Float32Array.from(a);
}

function asInt32(a: ArrayLike<number>): Int32Array {
  return a instanceof Int32Array ? a : Int32Array.from(a);
}
