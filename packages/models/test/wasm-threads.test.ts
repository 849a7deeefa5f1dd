// The real stories260K on the wasm backend with agon's GEMM and fused attention split across 2 threads gives the
// same bits as on one thread: logits of a [8, 256] batch (the bench's training shape), its next-token loss and the gradient of
// every weight. (The split is fixed and each output entry is summed in the same order whatever
// the thread count; see @agon/tensor's split.ts.) The products really ran on the threads.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from '@jest/globals';
import { initBackend, tokenLogprobs } from '@agon/tensor';
import { expectNoLeaks, kernelThreads } from '@agon/tensor/testing';
import { loadModel, STORIES_260K } from '@agon/models';

const B = 8;
const T = 256;

interface Run {
  logits: Float32Array;
  loss: number;
  grads: Map<string, Float32Array>;
  products: number;
}

async function forwardBackward(threads: number): Promise<Run> {
  await initBackend({ backend: 'wasm', threads });
  return expectNoLeaks(async () => {
    const { model, tokenizer } = await loadModel(STORIES_260K);
    const text = 'Once upon a time, there was a little girl named Lily. She loved to play outside with her dog. ';
    const ids = tokenizer.encode(text.repeat(20), { bos: true });
    const rows = Array.from({ length: B }, (_, b) => ids.slice(b * 7, b * 7 + T + 1));
    const x = tf.tensor2d(rows.map((r) => r.slice(0, T)), [B, T], 'int32');
    const y = tf.tensor2d(rows.map((r) => r.slice(1)), [B, T], 'int32');
    const before = kernelThreads().products;
    const logitsT = tf.tidy(() => model.forward(x).logits);
    const lossOf = () => tf.tidy(() => tf.neg(tf.mean(tokenLogprobs(model.forward(x).logits, y))) as tf.Scalar);
    const { value, grads } = tf.variableGrads(lossOf, model.trainableVariables());
    const run: Run = {
      logits: (await logitsT.data()) as Float32Array,
      loss: (await value.data())[0],
      // Variable names carry the model instance's prefix (m0/, m1/, …): keyed by the weight's own name.
      grads: new Map(await Promise.all(Object.entries(grads).map(async ([k, g]) => [k.replace(/^[^/]+\//, ''), (await g.data()) as Float32Array] as const))),
      products: kernelThreads().products - before,
    };
    tf.dispose([x, y, logitsT, value, ...Object.values(grads)]);
    model.dispose();
    return run;
  });
}

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('stories260K on wasm with kernel threads', () => {
  afterAll(() => initBackend({ backend: 'wasm', threads: 1 }));

  it('threads 2 give the bits of threads 1: logits, loss and every gradient of a [8, 256] batch', async () => {
    const one = await forwardBackward(1);
    const two = await forwardBackward(2);
    expect(one.products).toBe(0);
    // ≥ 32 MFLOP at 8×256: lm_head and each layer's fused attention in both forward passes
    // (2 × 6), lm_head's two gradient products and the 5 attention backward calls — at least;
    // each layer's stacked gate/up product (90 MFLOP) and its gradients add more.
    expect(two.products).toBeGreaterThanOrEqual(19);
    expect(Number.isFinite(one.loss) && one.loss > 0).toBe(true);
    expect(two.loss).toBe(one.loss);
    expect(bits(two.logits).equals(bits(one.logits))).toBe(true);
    expect([...two.grads.keys()].sort()).toEqual([...one.grads.keys()].sort());
    expect(one.grads.size).toBeGreaterThan(10);
    const differing = [...one.grads].filter(([k, g]) => !bits(g).equals(bits(two.grads.get(k)!))).map(([k]) => k);
    expect(differing).toEqual([]);
  }, 300_000);
});
