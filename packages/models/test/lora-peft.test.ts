// PEFT files: what saveLoraAdapters writes (key names, shapes, adapter_config.json fields) loads
// back to the same logits; adapters trained on a llama2.c model (interleaved RoPE rows) load onto
// its Hugging Face conversion with the same logits; target names and bad folders give clear errors.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM } from '@agon/core';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import {
  attachLora,
  buildArchitecture,
  convertLlama2cToHf,
  loadLoraAdapters,
  loadModel,
  readHfFolder,
  readSafetensors,
  saveLoraAdapters,
  STORIES_260K,
  writeSafetensors,
  type LoraModel,
} from '@agon/models';
import { fixtureDir, worstRelativeError } from './fixtures/expected.js';

const TOK = join(STORIES_260K, '..', 'tok512.bin');
const IDS = [
  [1, 403, 407, 261, 378],
  [1, 66, 355, 95, 279],
];
let dir: string;

async function logitsOf(model: CausalLM, ids: number[][] = IDS): Promise<Float32Array> {
  const x = tf.tensor2d(ids, undefined, 'int32');
  const { logits } = model.forward(x);
  const out = (await logits.data()) as Float32Array;
  tf.dispose([x, logits]);
  return out;
}

function randomizeB(lora: LoraModel, seed: number): void {
  let i = 0;
  for (const { B } of lora.adapters.values()) tf.tidy(() => B.assign(tf.mul(tf.randomNormal(B.shape, 0, 1, 'float32', seed + i++), 0.5)));
}

async function fixtureModel(name: string): Promise<CausalLM> {
  const hf = await readHfFolder(fixtureDir(name));
  return buildArchitecture(hf.config, hf.weights, hf.configFile);
}

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  dir = mkdtempSync(join(tmpdir(), 'agon-lora-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('PEFT adapter files', () => {
  it('stories260K: saved keys, shapes and config are PEFT’s; loading gives the same logits', () =>
    expectNoLeaks(async () => {
      const lora = attachLora((await loadModel(STORIES_260K)).model, { r: 4, alpha: 8, targetModules: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'], dropout: 0.1 });
      randomizeB(lora, 1);
      const want = await logitsOf(lora);
      const out = join(dir, 'stories');
      await saveLoraAdapters(lora, out, { baseModelNameOrPath: 'stories260K' });
      const cfg = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'));
      expect(cfg).toMatchObject({
        peft_type: 'LORA',
        task_type: 'CAUSAL_LM',
        r: 4,
        lora_alpha: 8,
        lora_dropout: 0.1,
        bias: 'none',
        base_model_name_or_path: 'stories260K',
        fan_in_fan_out: false,
        target_modules: ['down_proj', 'gate_proj', 'k_proj', 'o_proj', 'q_proj', 'up_proj', 'v_proj'],
      });
      const st = await readSafetensors(join(out, 'adapter_model.safetensors'));
      const shapes = new Map(st.tensors.map((t) => [t.name, t.shape]));
      expect(st.tensors).toHaveLength(2 * 7 * 5);
      expect(shapes.get('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight')).toEqual([4, 64]);
      expect(shapes.get('base_model.model.model.layers.4.mlp.down_proj.lora_B.weight')).toEqual([64, 4]);
      expect(shapes.get('base_model.model.model.layers.2.mlp.gate_proj.lora_A.weight')).toEqual([4, 64]);
      lora.dispose();
      const again = await loadLoraAdapters((await loadModel(STORIES_260K)).model, out);
      expect(again.loraConfig).toMatchObject({ r: 4, alpha: 8, dropout: 0.1 });
      expect(await logitsOf(again)).toEqual(want);
      again.dispose();
    }));

  it('adapters of the llama2.c model (interleaved q/k rows) load onto its Hugging Face conversion', () =>
    expectNoLeaks(async () => {
      const lora = attachLora((await loadModel(STORIES_260K)).model, { r: 2, alpha: 4, targetModules: ['q', 'k'] });
      randomizeB(lora, 3);
      const want = await logitsOf(lora);
      await saveLoraAdapters(lora, join(dir, 'qk'));
      lora.dispose();
      await convertLlama2cToHf(STORIES_260K, TOK, join(dir, 'hf'));
      const hf = await loadLoraAdapters((await loadModel(join(dir, 'hf'))).model, join(dir, 'qk'));
      expect(worstRelativeError(await logitsOf(hf), want)).toBeLessThan(1e-4);
      hf.dispose();
    }));

  it('GPT-2: q/k/v select the fused c_attn, o/up/down the projections; PEFT names and a regex work too', () =>
    expectNoLeaks(async () => {
      const g = attachLora(await fixtureModel('gpt2-tiny'), { r: 2, targetModules: ['q', 'o', 'up', 'down'] });
      expect([...g.adapters.keys()].slice(0, 4)).toEqual(['transformer.h.0.attn.c_attn', 'transformer.h.0.attn.c_proj', 'transformer.h.0.mlp.c_fc', 'transformer.h.0.mlp.c_proj']);
      expect(g.loraConfig.targetModules).toEqual(['attn.c_proj', 'c_attn', 'c_fc', 'mlp.c_proj']);
      randomizeB(g, 5);
      const want = await logitsOf(g, [[1, 5, 9, 3]]);
      await saveLoraAdapters(g, join(dir, 'gpt2'));
      g.dispose();
      expect(JSON.parse(readFileSync(join(dir, 'gpt2', 'adapter_config.json'), 'utf8')).fan_in_fan_out).toBe(true);
      const back = await loadLoraAdapters(await fixtureModel('gpt2-tiny'), join(dir, 'gpt2'));
      expect(await logitsOf(back, [[1, 5, 9, 3]])).toEqual(want);
      back.dispose();
      const cProj = attachLora(await fixtureModel('gpt2-tiny'), { targetModules: ['c_proj'] });
      expect([...cProj.adapters.keys()].slice(0, 2)).toEqual(['transformer.h.0.attn.c_proj', 'transformer.h.0.mlp.c_proj']);
      cProj.dispose();
      const re = attachLora(await fixtureModel('llama-tiny'), { targetModules: 'model\\.layers\\.1\\.self_attn\\.(q|v)_proj' });
      expect([...re.adapters.keys()]).toEqual(['model.layers.1.self_attn.q_proj', 'model.layers.1.self_attn.v_proj']);
      re.dispose();
    }));

  it('rejects bad targets, configs and weight files with the file, field or key', () =>
    expectNoLeaks(async () => {
      const gpt2 = await fixtureModel('gpt2-tiny');
      expect(() => attachLora(gpt2, { targetModules: ['gate'] })).toThrow("'gate' selects no linear module of the gpt2 model");
      expect(() => attachLora(gpt2, { r: 0 })).toThrow("LoRA config: field 'r' must be a positive integer (found 0)");
      expect(() => attachLora(gpt2, { dropout: 1 })).toThrow("LoRA config: field 'dropout' must be a number in [0, 1) (found 1)");
      expect(gpt2.trainableVariables().every((v) => v.trainable)).toBe(true); // a failed attach freezes nothing
      gpt2.dispose();

      const src = fixtureDir('lora-llama');
      const cfg = JSON.parse(readFileSync(join(src, 'adapter_config.json'), 'utf8'));
      const st = await readSafetensors(join(src, 'adapter_model.safetensors'));
      const variant = async (name: string, c: object, tensors = st.tensors) => {
        const d = join(dir, name);
        mkdirSync(d, { recursive: true });
        await writeSafetensors(join(d, 'adapter_model.safetensors'), { tensors, metadata: { format: 'pt' } });
        writeFileSync(join(d, 'adapter_config.json'), JSON.stringify(c));
        return d;
      };
      const base = await fixtureModel('llama-tiny');
      const tryLoad = (d: string) => loadLoraAdapters(base, d);
      await expect(tryLoad(await variant('peft-type', { ...cfg, peft_type: 'IA3' }))).rejects.toThrow("adapter_config.json: field 'peft_type' must be 'LORA' (found \"IA3\")");
      await expect(tryLoad(await variant('dora', { ...cfg, use_dora: true }))).rejects.toThrow("field 'use_dora' must be false");
      await expect(tryLoad(await variant('target', { ...cfg, target_modules: ['nope'] }))).rejects.toThrow("field 'target_modules': 'nope' selects no linear module");
      await expect(tryLoad(await variant('rank', { ...cfg, r: 3 }))).rejects.toThrow(
        "adapter_model.safetensors: tensor 'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight' has shape [16, 4], expected [16, 3]",
      );
      const missing = st.tensors.filter((t) => t.name !== 'base_model.model.model.layers.1.mlp.up_proj.lora_A.weight');
      await expect(tryLoad(await variant('missing', cfg, missing))).rejects.toThrow("missing tensor 'base_model.model.model.layers.1.mlp.up_proj.lora_A.weight'");
      await expect(tryLoad(await variant('extra', { ...cfg, target_modules: ['q_proj'] }))).rejects.toThrow('tensor(s) not selected by target_modules');
      await expect(tryLoad(join(dir, 'nowhere'))).rejects.toThrow('not a PEFT LoRA folder');
      expect(base.trainableVariables().every((v) => v.trainable)).toBe(true);
      base.dispose();
    }));
});
