// The @jax-js/jax peer of `agon bench` (tools/jax_ref.mjs) computes what agon computes: its own
// llama2.c reader and jax-js Llama give the real stories260K the same mean next-token loss as
// agon's model (float32 both sides: within 1e-4), its gradient matches central finite differences
// of its own loss, and its jitted AdamW step moves each weight as a first Adam step must
// (p·(1 − lr·wd) − lr·g/(|g| + ε)). A bench ratio against a peer that computed something else
// would mean nothing.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import { loadModel, STORIES_260K } from '@agon/models';

/* eslint-disable @typescript-eslint/no-explicit-any -- jax-js arrays through an untyped script */
const B = 2;
const T = 12;
const IDS = Array.from({ length: B }, (_, b) => Array.from({ length: T + 1 }, (_, t) => (b * 131 + t * 37 + 1) % 512));

/** The peer script's exports (a plain ESM script without types). */
const peer = () => import(new URL('../jax_ref.mjs', import.meta.url).href) as Promise<Record<string, (...args: any[]) => any>>;

describe('the jax-js peer of agon bench', () => {
  let jax: any;
  let model: any;
  let jaxParams: (...a: any[]) => any, llamaLoss: (...a: any[]) => any, readLlama2c: (...a: any[]) => any, ropeTables: (...a: any[]) => any, trainStep: (...a: any[]) => any;
  beforeAll(async () => {
    const p = await peer();
    ({ jaxParams, llamaLoss, readLlama2c, ropeTables, trainStep } = p as any);
    ({ jax } = await p['loadJax']!());
    model = readLlama2c(new Uint8Array(readFileSync(STORIES_260K)), STORIES_260K);
  }, 60_000);

  const inputs = () => {
    const np = jax.numpy;
    const all = np.array(Int32Array.from(IDS.flat()), { dtype: np.int32 }).reshape([B, T + 1]);
    return [all.ref.slice([], [0, T]), all.slice([], [1, T + 1])];
  };

  it('gives stories260K the same mean next-token loss as agon (1e-4)', async () => {
    const np = jax.numpy;
    const [x, y] = inputs();
    const { cos, sin } = ropeTables(np, model.cfg, T);
    const loss = llamaLoss(jax, model.cfg, B, T)(jaxParams(np, model), x, y, cos, sin);
    const jaxLoss = (await loss.data())[0] as number;

    await initBackend({ backend: 'cpu' });
    const agon = await loadModel(STORIES_260K);
    const tokenLogprobs = agon.model.tokenLogprobs?.bind(agon.model);
    if (!tokenLogprobs) throw new Error('stories260K has no tokenLogprobs');
    const agonLoss = await expectNoLeaks(async () => {
      const ids = tf.tensor2d(IDS.map((r) => r.slice(0, T)), [B, T], 'int32');
      const targets = tf.tensor2d(IDS.map((r) => r.slice(1)), [B, T], 'int32');
      const { logprobs, entropy } = tokenLogprobs(ids, targets);
      const m = logprobs.mean();
      const mean = -(await m.data())[0]!;
      tf.dispose([ids, targets, logprobs, entropy, m]);
      return mean;
    });
    agon.model.dispose();
    expect(jaxLoss).toBeGreaterThan(1);
    expect(Math.abs(jaxLoss - agonLoss)).toBeLessThan(1e-4);
  }, 120_000);

  it('differentiates its loss: gradient entries equal central differences (float32, h 1e-2, within 5e-4)', async () => {
    const np = jax.numpy;
    const { cos, sin } = ropeTables(np, model.cfg, T);
    const lossFn = llamaLoss(jax, model.cfg, B, T);
    const [x, y] = inputs();
    const g = jax.grad(lossFn)(jaxParams(np, model), x, y, cos.ref, sin.ref);
    const gw2 = (await g.layers[1].w2.ref.data()) as Float32Array;
    jax.tree.dispose(g);
    const at = (i: number, delta: number) => {
      const perturbed = { ...model, weights: { ...model.weights, w2: { ...model.weights.w2, data: Float32Array.from(model.weights.w2.data) } } };
      const per = model.cfg.dim * model.cfg.hidden;
      perturbed.weights.w2.data[per + i] += delta;
      const [a, b] = inputs();
      return lossFn(jaxParams(np, perturbed), a, b, cos.ref, sin.ref).data().then((d: Float32Array) => d[0]!);
    };
    const h = 1e-2;
    for (const i of [0, 57, 1000, 5000]) {
      const fd = ((await at(i, h)) - (await at(i, -h))) / (2 * h);
      // the loss is ~10 in float32 (ulp ~1e-6): differences over 2h carry ~1e-4 of rounding; entries are ~1e-2
      expect(Math.abs(fd - gw2[i]!)).toBeLessThan(5e-4);
    }
    cos.dispose();
    sin.dispose();
  }, 120_000);

  it('takes a first AdamW step of lr·g/(|g| + ε) with decoupled decay', async () => {
    const np = jax.numpy;
    const lr = 1e-3;
    const wd = 0.1;
    const p = jaxParams(np, model);
    const zeros = () => jax.tree.map((a: any) => np.zerosLike(a), jax.tree.ref(p));
    const { cos, sin } = ropeTables(np, model.cfg, T);
    const [x, y] = inputs();
    const g = jax.grad(llamaLoss(jax, model.cfg, B, T))(jax.tree.ref(p), x, y, cos.ref, sin.ref);
    const grad = (await g.layers[0].q.ref.data()) as Float32Array;
    jax.tree.dispose(g);
    const [a, b] = inputs();
    const [loss, p2, m2, v2] = trainStep(jax, model.cfg, B, T, { lr, weightDecay: wd })(p, zeros(), zeros(), np.array(1), a, b, cos, sin);
    const after = (await p2.layers[0].q.ref.data()) as Float32Array;
    jax.tree.dispose([loss, p2, m2, v2]);
    const before = model.weights.q.data.subarray(0, model.cfg.dim * model.cfg.dim);
    let worst = 0;
    for (let i = 0; i < before.length; i++) {
      const want = before[i] * (1 - lr * wd) - (lr * grad[i]!) / (Math.abs(grad[i]!) + 1e-8);
      worst = Math.max(worst, Math.abs(after[i]! - want));
    }
    expect(worst).toBeLessThan(2e-6);
  }, 120_000);
});
