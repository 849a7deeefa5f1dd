// variableGrads: tf.variableGrads that frees the tape and the loss value when the forward or the
// backward pass throws (tfjs leaves both alive), and is tf.variableGrads itself otherwise.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, variableGrads } from '../src/index.js';
import { expectNoLeaks } from '../src/testing/index.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/** A loss through ops that save tensors for the backward pass, throwing in the pass asked for. */
function loss(w: tf.Variable, failIn: 'forward' | 'backward' | null): tf.Scalar {
  const op = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x]);
    return {
      value: tf.square(x),
      gradFunc: (dy: tf.Tensor, [xs]: tf.Tensor[]) => {
        if (failIn === 'backward') throw new Error('backward failed');
        return tf.mul(dy, tf.mul(2, xs));
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const y = op(tf.exp(tf.mul(w, 0.5))) as tf.Tensor;
  if (failIn === 'forward') throw new Error('forward failed'); // after ops that saved tensors on the tape
  return tf.sum(y);
}

it.each(['forward', 'backward'] as const)('a throw in the %s pass leaves no tensor and a usable tape', async (failIn) => {
  const w = tf.variable(tf.tensor1d([0.1, -0.2, 0.3]), true, `w-${failIn}`);
  try {
    await expectNoLeaks(() => {
      expect(() => variableGrads(() => loss(w, failIn), [w])).toThrow(`${failIn} failed`);
    });
    // The next gradient is right, and frees everything too.
    await expectNoLeaks(() => {
      const { value, grads } = variableGrads(() => loss(w, null), [w]);
      const ref = tf.variableGrads(() => loss(w, null), [w]);
      expect(Array.from(grads[w.name].dataSync())).toEqual(Array.from(ref.grads[w.name].dataSync()));
      // d/dw sum(exp(w/2)^2) = exp(w): float64 reference, float32 tolerance
      Array.from(grads[w.name].dataSync()).forEach((g, i) => expect(g).toBeCloseTo(Math.exp([0.1, -0.2, 0.3][i]), 5));
      expect(value.dataSync()[0]).toBe(ref.value.dataSync()[0]);
      tf.dispose([value, ref.value, ...Object.values(grads), ...Object.values(ref.grads)]);
    });
  } finally {
    w.dispose();
  }
});

it('plain tf.variableGrads leaks on a throwing backward pass (why variableGrads exists)', () => {
  const w = tf.variable(tf.tensor1d([0.1, -0.2, 0.3]), true, 'w-plain');
  const before = tf.memory().numTensors;
  expect(() => tf.variableGrads(() => loss(w, 'backward'), [w])).toThrow('backward failed');
  expect(tf.memory().numTensors).toBeGreaterThan(before);
  // What tfjs left on its tape, cleaned up so the other tests start clean.
  const engine = tf.engine() as unknown as { state: { activeTape: { saved?: tf.Tensor[] }[] | null } };
  for (const node of engine.state.activeTape ?? []) for (const t of node.saved ?? []) t.dispose();
  engine.state.activeTape = null;
  w.dispose();
});
