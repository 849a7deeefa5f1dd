// recipes/lsp-instruct.json end to end on a scaled-down copy of the SmolLM2-135M-Instruct shape
// (writeRandomHfFolder: the real vocabulary of 49152 with its BPE tokenizer, ChatML template and
// special ids, 8192 positions; 2 layers of width 96 instead of 30 of 576, random weights) and a
// LlamaForSequenceClassification reward model of the same shape. Everything else is the recipe as
// shipped (LoRA on, so the reference is the adapters-off view; activation recomputation on), scaled
// down to one small iteration.
import { join } from 'node:path';
import { readSafetensors } from '@agon/models';
import { writeRandomHfFolder } from '@agon/models/testing';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import { loadRecipe, nodeRunIO, readMetrics, train } from '@agon/trainer';
import { captureProgress, tempDir } from './helpers.js';

/** SmolLM2-135M scaled down in depth and width (heads 3 : KV heads 1, as the real 9 : 3). */
const SMALLER = { num_hidden_layers: 2, hidden_size: 96, intermediate_size: 256, num_attention_heads: 3, num_key_value_heads: 1 };

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

it('runs one LSP iteration of recipes/lsp-instruct.json on a scaled-down SmolLM2-135M shape: finite loss, adapters trained', async () => {
  const { dir, cleanup } = await tempDir('instruct');
  try {
    await expectNoLeaks(async () => {
      const policyDir = join(dir, 'smollm');
      const rewardDir = join(dir, 'smollm-rm');
      await writeRandomHfFolder('smollm-135m', policyDir, { overrides: SMALLER, seed: 1 });
      await writeRandomHfFolder('smollm-135m', rewardDir, { overrides: SMALLER, seed: 2, sequenceClassification: true });
      const { raw } = await loadRecipe('lsp-instruct');
      expect(raw).toMatchObject({ lora: { r: 16 }, memory: { recompute: true } });
      const progress = captureProgress();
      const out = join(dir, 'run');
      const result = await train(
        {
          ...raw,
          model: policyDir,
          rewards: [{ type: 'model', path: rewardDir, weight: 1 }],
          selfReward: { weight: 0.1, maxNewTokens: 4 },
          steps: 1,
          queriesPerStep: 2,
          answersPerQuery: 2,
          microBatchSize: 1,
          sampling: { temperature: 1, challengerMaxNewTokens: 6, solverMaxNewTokens: 6 },
          optimizer: { lr: 1e-2 },
          backend: 'wasm',
          seed: 1,
        },
        { out, progress },
      );
      expect(result.steps).toBe(1);
      expect(result.skippedSteps).toBe(0);
      const [line] = await readMetrics(nodeRunIO(out));
      expect(Number.isFinite(line.metrics.loss)).toBe(true);
      expect(line.metrics['selfReward/null']).toBeGreaterThanOrEqual(0); // random weights: verdicts unreadable → counted, scored 0
      expect(Number.isFinite(line.metrics['reward/solver/mean'])).toBe(true); // the head's logit
      expect(line.metrics['reward/solver/std']).toBeGreaterThan(0); // answers scored differently: a learning signal
      expect(line.metrics.gradNorm).toBeGreaterThan(0);
      expect(line['memory/peakTensorMb']).toBeGreaterThan(0);
      // Only the adapters trained: every lora_B started at zero, and some are not zero now.
      const adapter = await readSafetensors(join(out, 'adapter', 'adapter_model.safetensors'));
      const bs = adapter.tensors.filter((t) => t.name.includes('lora_B'));
      expect(bs.length).toBe(2 * 7); // 2 layers × q k v o gate up down
      expect(bs.some((t) => t.bytes.some((b) => b !== 0))).toBe(true);
    });
  } finally {
    await cleanup();
  }
}, 180_000);
