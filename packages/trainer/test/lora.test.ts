// LoRA + LSP with the likelihood self-reward, from the config: only the adapter factors are trainable (the checkpoint holds nothing else),
// the reference is the same model with adapters off (KL 0 at step 1, > 0 after), and the adapters
// are exported in PEFT layout.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadModel, readSafetensors, STORIES_260K } from '@agon/models';
import { initBackend } from '@agon/tensor';
import { expectNoLeaks } from '@agon/tensor/testing';
import { readMetrics, train, nodeRunIO } from '@agon/trainer';
import { captureProgress, SMALL, tempDir } from './helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

it('trains LoRA adapters on stories260K against the adapters-off reference', async () => {
  const { dir, cleanup } = await tempDir('lora');
  try {
    await expectNoLeaks(async () => {
      const result = await train(
        {
          ...SMALL,
          model: STORIES_260K,
          backend: 'wasm',
          game: { name: 'lsp', challengerPrompt: 'Once upon a time' },
          rewards: [{ type: 'model', path: STORIES_260K }],
          lora: { r: 4, targetModules: ['q', 'v'] },
          selfReward: { judge: 'likelihood', weight: 0.1 },
          steps: 2,
          loss: { beta: 0.1 },
          optimizer: { lr: 1e-2 },
          seed: 2,
        },
        { out: dir, progress: captureProgress() },
      );
      expect(result.skippedSteps).toBe(0);
      const [s1, s2] = await readMetrics(nodeRunIO(dir));
      expect(s1.metrics['solver/kl']).toBeCloseTo(0, 6);
      expect(s2.metrics['solver/kl']).toBeGreaterThan(0);
      expect(Number.isFinite(s2.metrics.loss)).toBe(true);
      expect(s1.metrics['selfReward/mean']).toBeLessThan(0); // LSP with the reference's likelihood as R_Q

      const weights = await readSafetensors(join(dir, 'checkpoints', 'step-000002', 'weights.safetensors'));
      const layers = (await loadModel(STORIES_260K)).model;
      const nLayers = layers.config.numLayers;
      layers.dispose();
      expect(weights.tensors).toHaveLength(nLayers * 2 * 2); // q and v, A and B, per layer
      expect(weights.tensors.every((t) => /lora_[AB]/.test(t.name))).toBe(true);
      expect((await readdir(join(dir, 'adapter'))).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    });
  } finally {
    await cleanup();
  }
}, 120_000);
