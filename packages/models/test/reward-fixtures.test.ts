// Reward-model heads (Llama/Qwen2/Qwen3 ForSequenceClassification) against transformers in
// float64 (tools/hf_fixtures.py): label logits of raw id rows (pads inside, trailing
// pads, only pads; read where transformers reads), and the chat-formatted (query, answer) scorer
// (template text, token ids, scores). Within 1e-4 relative, every backend, no leaks.
import { readFileSync } from 'node:fs';
import type { Scorer } from '@agon/core';
import { describeEachBackend, expectNoLeaks } from '@agon/tensor/testing';
import { buildSequenceClassifier, loadRewardModel, readHfFolder } from '@agon/models';
import { fixtureDir, worstRelativeError } from './fixtures/expected.js';

interface SeqClsExpected {
  num_labels: number;
  pad_token_id: number | null;
  rows: { ids: number[]; scores: number[] }[];
  pairs: { query: string; answer: string; text: string; ids: number[]; scores: number[] }[];
}
const expectedOf = (name: string) => JSON.parse(readFileSync(`${fixtureDir(name)}expected.json`, 'utf8')) as SeqClsExpected;
const FIXTURES = ['llama-seqcls', 'qwen2-seqcls', 'qwen3-seqcls'];

await describeEachBackend('reward heads vs PyTorch float64', (backend) => {
  // SwiftShader (webgpu on a CPU) is slow: on webgpu only the head numerics run; chat formatting,
  // tokenization and batching are backend-independent and covered on cpu and wasm.
  const logicIt = backend === 'webgpu' ? it.skip : it;
  const worst: Record<string, number> = {};
  afterAll(() => console.log(`worst relative score error on ${backend}: ${JSON.stringify(worst)}`));
  for (const name of FIXTURES) {
    it(`${name}: label logits of id rows, in micro-batches of 3 with left padding`, () =>
      expectNoLeaks(async () => {
        const exp = expectedOf(name);
        const hf = await readHfFolder(fixtureDir(name));
        const clf = buildSequenceClassifier(hf.config, hf.weights, hf.configFile);
        expect(clf.numLabels).toBe(exp.num_labels);
        expect(clf.padTokenId).toBe(exp.pad_token_id ?? undefined);
        const got = await clf.classify(exp.rows.map((r) => r.ids), { microBatchSize: 3 });
        const err = worstRelativeError(got.flat(), exp.rows.flatMap((r) => r.scores));
        worst[`${name}/rows`] = Number(err.toExponential(2));
        expect(err).toBeLessThan(1e-4);
        clf.dispose();
      }));

    logicIt(`${name}: scores chat-formatted (query, answer) pairs as a Scorer`, () =>
      expectNoLeaks(async () => {
        const exp = expectedOf(name);
        const label = exp.num_labels > 1 ? 1 : undefined;
        const rm = await loadRewardModel(fixtureDir(name), { microBatchSize: 2, ...(label === undefined ? {} : { label }) });
        const scorer: Scorer = rm;
        for (const p of exp.pairs) {
          const msgs = [
            { role: 'user' as const, content: p.query },
            { role: 'assistant' as const, content: p.answer },
          ];
          expect(rm.chat.render(msgs, { addGenerationPrompt: false })).toBe(p.text);
          expect(rm.encodePair(p)).toEqual(p.ids);
        }
        const scores = await scorer.score(exp.pairs);
        const err = worstRelativeError(scores, exp.pairs.map((p) => p.scores[label ?? 0]));
        worst[`${name}/pairs`] = Number(err.toExponential(2));
        expect(err).toBeLessThan(1e-4);
        rm.dispose();
      }));
  }

  logicIt('a row scores the same alone as in a left-padded batch', () =>
    expectNoLeaks(async () => {
      const exp = expectedOf('llama-seqcls');
      const hf = await readHfFolder(fixtureDir('llama-seqcls'));
      const clf = buildSequenceClassifier(hf.config, hf.weights, hf.configFile);
      const rows = exp.rows.map((r) => r.ids);
      const batched = await clf.classify(rows, { microBatchSize: rows.length });
      for (let i = 0; i < rows.length; i++) {
        const [alone] = await clf.classify([rows[i]]);
        expect(Math.abs(alone[0] - batched[i][0])).toBeLessThan(1e-5 * Math.max(1, Math.abs(alone[0])));
      }
      clf.dispose();
    }));
});
