// A policy update that throws (in the backward pass or in the optimizer) ends the run like any
// other failed step: the last completed step is checkpointed first, the error says so, and a
// resume reaches the uninterrupted result. An update that had already changed the weights is not
// saved over the last good checkpoint.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Objective, RewardFn } from '@agon/core';
import { loadModel, STORIES_260K } from '@agon/models';
import { reinforceLoss } from '@agon/objectives';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import { listCheckpoints, nodeRunIO, readMetrics, train, type TrainConfigInput } from '@agon/trainer';
import { AdamW } from '../src/adamw.js';
import { captureProgress, SMALL, storyGame, tempDir } from './helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const letters: RewardFn<string> = async (batch) => batch.map((x) => (x.answer.match(/[a-z]/gi)?.length ?? 0) / Math.max(1, x.answer.length));
const CONFIG: TrainConfigInput = { ...SMALL, steps: 4, seed: 7, checkpointEvery: 0, checkpointSeconds: 0, keepCheckpoints: 10 };

/** When set, the Solver loss's backward pass throws (as an allocation failure on a device would). */
let failBackward = false;
/** REINFORCE with a pass-through gradient (bit-identical to plain REINFORCE) that can be made to throw. */
const solver: Objective = {
  needsReference: false,
  loss: (b) =>
    tf.tidy(() => {
      const o = reinforceLoss().loss(b);
      const passThrough = tf.customGrad(((x: tf.Tensor) => ({
        value: tf.clone(x),
        gradFunc: (dy: tf.Tensor) => {
          if (failBackward) throw new Error('backward: failed to allocate 64 MB');
          return tf.clone(dy);
        },
      })) as unknown as Parameters<typeof tf.customGrad>[0]);
      return { loss: passThrough(o.loss) as tf.Scalar, metrics: o.metrics };
    }),
};
const objectives = { solver, challenger: reinforceLoss(), alphaCh: 1 };

/** Trains into `out` (resuming when asked), arming `arm` once step `after` is reported; returns the final weights or the error. */
async function run(out: string, opts: { resume?: boolean; after?: number; arm?: () => void } = {}): Promise<{ weights?: Float32Array[]; error?: Error }> {
  const policy = await loadModel(STORIES_260K);
  try {
    return await expectNoLeaks(async () => {
      const progress = captureProgress();
      const write = progress.write;
      progress.write = (s) => {
        write(s);
        if (opts.after && s.startsWith(`step ${opts.after}/`)) opts.arm?.();
      };
      try {
        await train(opts.resume ? {} : CONFIG, { out, policy, game: storyGame(), reward: letters, objectives, resume: opts.resume, progress });
        return { weights: policy.model.trainableVariables().map((v) => v.dataSync().slice() as Float32Array) };
      } catch (e) {
        return { error: e as Error };
      }
    });
  } finally {
    policy.model.dispose();
  }
}

const stepsOf = async (dir: string) => (await readMetrics(nodeRunIO(dir))).map(({ step, metrics }) => ({ step, metrics }));

it('a backward pass that throws saves the last completed step; the resumed run equals an uninterrupted one', async () => {
  const a = await tempDir('update-straight');
  const b = await tempDir('update-backward');
  try {
    const straight = await run(a.dir);
    expect(straight.error).toBeUndefined();
    const failed = await run(b.dir, { after: 2, arm: () => (failBackward = true) });
    failBackward = false;
    expect(failed.error?.message).toBe('backward: failed to allocate 64 MB (step 3 failed; a checkpoint of step 2 was saved: continue with --resume)');
    expect(await listCheckpoints(nodeRunIO(b.dir))).toEqual([2]);
    const resumed = await run(b.dir, { resume: true });
    expect(resumed.error).toBeUndefined();
    expect(await stepsOf(b.dir)).toEqual(await stepsOf(a.dir));
    expect(await readFile(join(b.dir, 'samples.jsonl'), 'utf8')).toBe(await readFile(join(a.dir, 'samples.jsonl'), 'utf8'));
    resumed.weights!.forEach((w, i) => expect(w).toEqual(straight.weights![i]));
  } finally {
    failBackward = false;
    await a.cleanup();
    await b.cleanup();
  }
}, 240_000);

describe('an optimizer update that throws', () => {
  const apply = AdamW.prototype.apply;
  afterEach(() => {
    AdamW.prototype.apply = apply;
  });

  it('before changing anything: the last completed step is saved', async () => {
    const { dir, cleanup } = await tempDir('update-optimizer');
    try {
      const failed = await run(dir, {
        after: 2,
        arm: () => {
          AdamW.prototype.apply = () => {
            throw new Error('AdamW: no gradient for variable model.norm.weight');
          };
        },
      });
      expect(failed.error?.message).toBe('AdamW: no gradient for variable model.norm.weight (step 3 failed; a checkpoint of step 2 was saved: continue with --resume)');
      expect(await listCheckpoints(nodeRunIO(dir))).toEqual([2]);
      const state = JSON.parse(await readFile(join(dir, 'checkpoints', 'step-000002', 'state.json'), 'utf8'));
      expect(state).toMatchObject({ step: 2, optimizerSteps: 2 });
    } finally {
      await cleanup();
    }
  }, 120_000);

  it('after changing the weights: nothing is saved over the last good state', async () => {
    const { dir, cleanup } = await tempDir('update-optimizer-half');
    try {
      const failed = await run(dir, {
        after: 2,
        arm: () => {
          AdamW.prototype.apply = function (this: AdamW, grads, lr) {
            apply.call(this, grads, lr);
            throw new Error('device lost during the update');
          };
        },
      });
      // The weights are half-way into step 3: a checkpoint "of step 2" would resume from them.
      expect(failed.error?.message).toBe('device lost during the update (step 3 failed; no checkpoint was written yet)');
      expect(await listCheckpoints(nodeRunIO(dir))).toEqual([]);
    } finally {
      await cleanup();
    }
  }, 120_000);
});

it('AdamW refuses an update with a missing gradient before changing anything', () => {
  const x = tf.variable(tf.tensor1d([1, 2]), true, 'x');
  const y = tf.variable(tf.tensor1d([3]), true, 'y');
  const opt = new AdamW([x, y], { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  const g = tf.tensor1d([1, 1]);
  try {
    expect(() => opt.apply({ x: g }, 0.1)).toThrow('AdamW: no gradient for variable y');
    expect(opt.steps).toBe(0);
    expect(Array.from(x.dataSync())).toEqual([1, 2]);
  } finally {
    tf.dispose([x, y, g]);
    opt.dispose();
  }
});
