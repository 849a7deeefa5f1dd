// GPT-2 gradients: tf's analytic gradients of a fixed scalar of the logits agree with central
// finite differences, for entries of every kind of weight, with activation recomputation off and
// on; and the export loads back.
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import { readFile } from 'node:fs/promises';
import { buildGpt2, type Gpt2Model } from '../src/arch/gpt2.js';
import { loadModel } from '../src/load.js';
import { saveHfFolder } from '../src/save.js';
import { readHfFolder } from '../src/hf/index.js';
import { encodeHostTensors, writeFileAtomic, writeSafetensors } from '../src/safetensors/index.js';
import { expectedOf, fixtureDir, worstRelativeError } from './fixtures/expected.js';

const expected = expectedOf('gpt2-tiny');

describe('GPT-2 training and export (cpu)', () => {
  let model: Gpt2Model;
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
    const hf = await readHfFolder(fixtureDir('gpt2-tiny'));
    model = buildGpt2(hf.config, hf.weights, { configFile: hf.configFile });
  });
  afterAll(() => model.dispose());

  for (const recompute of [false, true]) {
    it(`gradients match central finite differences (recomputation ${recompute ? 'on' : 'off'})`, () =>
      expectNoLeaks(async () => {
        model.setRecompute(recompute);
        const ids = tf.tensor2d(expected.input_ids, undefined, 'int32');
        // A fixed random projection of the log-softmax: exercises every path, including softmax's.
        const probe = tf.randomNormal(expected.shape, 0, 1, 'float32', 7);
        const loss = () => tf.tidy(() => tf.sum(tf.mul(tf.logSoftmax(model.forward(ids).logits), probe)) as tf.Scalar);
        const { grads, value } = tf.variableGrads(loss, model.trainableVariables());
        const keys = [
          'transformer.wte.weight',
          'transformer.wpe.weight',
          'transformer.h.0.ln_1.weight',
          'transformer.h.0.attn.c_attn.weight',
          'transformer.h.1.attn.c_proj.bias',
          'transformer.h.1.mlp.c_fc.weight',
          'transformer.h.0.mlp.c_proj.weight',
          'transformer.ln_f.bias',
        ];
        const h = 1e-2;
        const checked: number[] = [];
        for (const key of keys) {
          const v = model.weights.get(key);
          if (!v) throw new Error(key);
          const name = v.name;
          const g = grads[name].dataSync();
          const base = v.dataSync().slice();
          for (const i of [0, Math.floor(base.length / 2), base.length - 1]) {
            const at = (delta: number) => {
              const w = base.slice();
              w[i] += delta;
              tf.tidy(() => v.assign(tf.tensor(w, v.shape)));
              return tf.tidy(() => loss().dataSync()[0]);
            };
            const numeric = (at(h) - at(-h)) / (2 * h);
            tf.tidy(() => v.assign(tf.tensor(base, v.shape)));
            // float32 loss summed over B·T·V = 4304 terms: each evaluation carries ~5e-5 rounding, i.e.
            // up to ~5e-3 after dividing by 2h.
            const tol = 5e-3 + 1e-2 * Math.abs(g[i]);
            if (process.env.AGON_PRINT_GRADS) console.log(key, i, g[i], numeric);
            expect({ key, i, close: Math.abs(numeric - g[i]) <= tol }).toEqual({ key, i, close: true });
            checked.push(Math.abs(g[i]));
          }
        }
        // Not vacuous: most checked gradients are far from zero compared with the tolerance.
        expect(checked.filter((g) => g > 0.05).length).toBeGreaterThan(checked.length / 2);
        tf.dispose([ids, probe, value, ...Object.values(grads)]);
        model.setRecompute(false);
      }));
  }

  it('exportHf → safetensors + config.json → readHfFolder → buildGpt2 gives the same logits', () =>
    expectNoLeaks(async () => {
      const dir = await mkdtemp(join(tmpdir(), 'agon-gpt2-'));
      try {
        const { config, tensors } = await model.exportHf();
        await writeFileAtomic(join(dir, 'config.json'), JSON.stringify(config, null, 2));
        await writeSafetensors(join(dir, 'model.safetensors'), { metadata: { format: 'pt' }, tensors: encodeHostTensors(tensors) });
        const hf = await readHfFolder(dir);
        const again = buildGpt2(hf.config, hf.weights, { configFile: hf.configFile });
        const ids = tf.tensor2d(expected.input_ids, undefined, 'int32');
        const { logits } = again.forward(ids);
        expect(worstRelativeError(await logits.data(), expected.logits)).toBeLessThan(1e-4);
        tf.dispose([ids, logits]);
        again.dispose();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }));

  it('saveHfFolder (with its tokenizer files) → loadModel round trip: same logits, same tokenizer', () =>
    expectNoLeaks(async () => {
      const dir = await mkdtemp(join(tmpdir(), 'agon-gpt2-save-'));
      try {
        const files: Record<string, Uint8Array> = {};
        for (const f of ['tokenizer.json', 'tokenizer_config.json', 'generation_config.json']) files[f] = await readFile(join(fixtureDir('gpt2-tiny'), f));
        await saveHfFolder(model, dir, { files });
        const { model: again, tokenizer, eosIds } = await loadModel(dir);
        expect(eosIds).toEqual([tokenizer.eosId]);
        expect(tokenizer.encode(expected.tokenizer?.[0].text ?? '')).toEqual(expected.tokenizer?.[0].ids);
        const ids = tf.tensor2d(expected.input_ids, undefined, 'int32');
        const { logits } = again.forward(ids);
        expect(worstRelativeError(await logits.data(), expected.logits)).toBeLessThan(1e-4);
        tf.dispose([ids, logits]);
        again.dispose();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }));
});
