// Reward-model heads reject bad folders, configs and inputs with errors naming the file, the field
// or key, and what was expected.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import { buildSequenceClassifier, loadRewardModel, readHfFolder, type HfFolder, type WeightSource } from '@agon/models';
import { fixtureDir } from './fixtures/expected.js';

let hf: HfFolder;
let dir: string;
beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  hf = await readHfFolder(fixtureDir('llama-seqcls'));
  dir = mkdtempSync(join(tmpdir(), 'agon-rm-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The fixture's weights with `score.weight` replaced (or removed when `score` is null). */
function withScore(score: { shape: number[]; data: Float32Array } | null): WeightSource {
  const w = hf.weights;
  return {
    file: w.file,
    keys: () => (score ? w.keys() : w.keys().filter((k) => k !== 'score.weight')),
    has: (k) => (k === 'score.weight' ? score !== null : w.has(k)),
    get: (k, shape) => {
      if (k !== 'score.weight') return w.get(k, shape);
      if (!score) throw new Error(`${w.file}: missing tensor 'score.weight'`);
      return score;
    },
  };
}

describe('reward heads: bad input', () => {
  it('config and weights errors name the file and the field or key', () =>
    expectNoLeaks(() => {
      const f = hf.configFile;
      expect(() => buildSequenceClassifier({ ...hf.config, architectures: ['LlamaForCausalLM'] }, hf.weights, f)).toThrow(
        `${f}: field 'architectures' must be a list naming a sequence-classification model (LlamaForSequenceClassification, Qwen2ForSequenceClassification, Qwen3ForSequenceClassification) (found ["LlamaForCausalLM"])`,
      );
      expect(() => buildSequenceClassifier(hf.config, withScore(null), f)).toThrow("model.safetensors: missing tensor 'score.weight'");
      expect(() => buildSequenceClassifier(hf.config, withScore({ shape: [1, 8], data: new Float32Array(8) }), f)).toThrow(
        "tensor 'score.weight' has shape [1, 8], expected [num_labels, 16]",
      );
      expect(() => buildSequenceClassifier({ ...hf.config, id2label: { 0: 'bad', 1: 'good' } }, hf.weights, f)).toThrow(
        `${f}: id2label / num_labels says 2 labels but`,
      );
      expect(() => buildSequenceClassifier({ ...hf.config, pad_token_id: 64 }, hf.weights, f)).toThrow(`${f}: field 'pad_token_id' must be an integer in [0, 64) (found 64)`);
      expect(() => buildSequenceClassifier({ ...hf.config, hidden_size: 'x' }, hf.weights, f)).toThrow("field 'hidden_size' must be a positive integer");
    }));

  it('classify() rejects empty rows, ids outside the vocabulary and over-long rows', () =>
    expectNoLeaks(async () => {
      const clf = buildSequenceClassifier(hf.config, hf.weights, hf.configFile);
      await expect(clf.classify([[1, 2], []])).rejects.toThrow('classify: row 1 is empty');
      await expect(clf.classify([[1, 64]])).rejects.toThrow('classify: row 0 holds token id 64; expected integers in [0, 64)');
      await expect(clf.classify([Array.from({ length: 65 }, () => 1)])).rejects.toThrow('row 0 has 65 tokens; the model reads at most 64');
      await expect(clf.classify([[1]], { microBatchSize: 0 })).rejects.toThrow("'microBatchSize' must be an integer >= 1");
      clf.dispose();
    }));

  it('loadRewardModel: a multi-label head needs a label; a folder needs a chat template', () =>
    expectNoLeaks(async () => {
      await expect(loadRewardModel(fixtureDir('qwen2-seqcls'))).rejects.toThrow("the head has 2 labels; pass option 'label' (0..1)");
      await expect(loadRewardModel(fixtureDir('qwen2-seqcls'), { label: 2 })).rejects.toThrow("option 'label' must be an integer in [0, 2), got 2");
      const copy = join(dir, 'no-template');
      cpSync(fixtureDir('qwen3-seqcls'), copy, { recursive: true });
      const tc = JSON.parse(readFileSync(join(copy, 'tokenizer_config.json'), 'utf8'));
      delete tc.chat_template;
      writeFileSync(join(copy, 'tokenizer_config.json'), JSON.stringify(tc));
      rmSync(join(copy, 'chat_template.jinja'), { force: true });
      await expect(loadRewardModel(copy)).rejects.toThrow(`${join(copy, 'tokenizer_config.json')}: a reward model needs a chat template`);
      const rm = await loadRewardModel(copy, { chat: { render: (m) => m.map((x) => x.content).join(' ') } });
      expect(await rm.score([{ query: 'a cat', answer: 'the mat' }])).toHaveLength(1);
      rm.dispose();
      await expect(loadRewardModel(fixtureDir('llama-tiny'))).rejects.toThrow("field 'architectures' must be a list naming a sequence-classification model");
    }));
});
