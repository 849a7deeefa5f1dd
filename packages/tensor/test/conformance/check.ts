// One checker for every conformance case: forward against the float64 reference, and the
// gradient of Σ w·f(inputs) (w fixed, random) against central finite differences of that
// reference, on whichever backend is active. Inputs are rounded to float32 first so the
// reference sees exactly what the backend sees.
import * as tf from '@tensorflow/tfjs-core';
import { expect } from '@jest/globals';
import { expectNoLeaks } from '../../src/testing/index.js';
import { dot, expectClose, fdGrad, randn, read } from '../reference.js';

export interface CaseInput {
  shape: number[];
  data: ArrayLike<number>;
  dtype?: 'float32' | 'int32';
  /** Check the gradient with respect to this input (float inputs only). Default true for float32. */
  grad?: boolean;
}

export interface Tolerance {
  atol: number;
  rtol: number;
}

export interface Case {
  inputs: CaseInput[];
  /** The tfjs computation under test. */
  run: (...xs: tf.Tensor[]) => tf.Tensor;
  /** The float64 reference, on the same (float32-rounded) inputs. */
  ref: (...xs: Float64Array[]) => Float64Array;
  outShape: number[];
  forward: Tolerance;
  gradient?: Tolerance;
}

/**
 * Tolerances: float32 forward results are good to ~1e-6 relative on cpu/wasm; WebGPU's exp/log
 * and reassociated reductions lose a little more, so GPU cases widen by 10×.
 */
export function tol(backend: string, atol: number, rtol: number): Tolerance {
  const k = backend === 'cpu' || backend === 'wasm' ? 1 : 10;
  return { atol: atol * k, rtol: rtol * k };
}

function toTensors(inputs: CaseInput[], vals: Float64Array[]): tf.Tensor[] {
  return inputs.map((inp, i) =>
    inp.dtype === 'int32'
      ? tf.tensor(Int32Array.from(inp.data), inp.shape, 'int32')
      : tf.tensor(Float32Array.from(vals[i]), inp.shape),
  );
}

/** The same forward pass on cpu, then back to the backend under test (cpu is the tfjs reference). */
async function expectMatchesCpu(c: Case, vals: Float64Array[], got: Float64Array): Promise<void> {
  const backend = tf.getBackend();
  if (backend === 'cpu') return;
  await tf.setBackend('cpu');
  try {
    const onCpu = tf.tidy(() => c.run(...toTensors(c.inputs, vals)));
    const ref = await read(onCpu);
    onCpu.dispose();
    expectClose(got, ref, { ...c.forward, label: `forward ${backend} vs cpu` });
  } finally {
    await tf.setBackend(backend);
  }
}

export async function checkCase(c: Case, seed = 1): Promise<void> {
  await expectNoLeaks(async () => {
    const vals = c.inputs.map((inp) =>
      inp.dtype === 'int32' ? Float64Array.from(inp.data) : Float64Array.from(Float32Array.from(inp.data)),
    );
    const ts = toTensors(c.inputs, vals);
    const y = tf.tidy(() => c.run(...ts));
    expect(y.shape).toEqual(c.outShape);
    const want = c.ref(...vals);
    const got = await read(y);
    expectClose(got, want, { ...c.forward, label: 'forward vs float64' });
    y.dispose();
    await expectMatchesCpu(c, vals, got);

    if (c.gradient) {
      const w = randn(want.length, seed + 1000);
      const wt = tf.tensor(Float32Array.from(w), c.outShape);
      const which = c.inputs.map((inp, i) => (inp.dtype !== 'int32' && inp.grad !== false ? i : -1)).filter((i) => i >= 0);
      const grads = tf.grads((...xs: tf.Tensor[]) => {
        const all = ts.map((t, i) => (which.includes(i) ? xs[which.indexOf(i)] : t));
        return tf.sum(tf.mul(c.run(...all), wt));
      })(which.map((i) => ts[i]));
      for (const [n, i] of which.entries()) {
        const fd = fdGrad((p) => dot(w, c.ref(...vals.map((v, j) => (j === i ? p : v)))), vals[i]);
        expectClose(await read(grads[n]), fd, { ...c.gradient, label: `gradient of input ${i}` });
      }
      tf.dispose([wt, ...grads]);
    }
    tf.dispose(ts);
  });
}
