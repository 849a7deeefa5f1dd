/** The model piece: the policy (loaded, maybe with LoRA adapters), its prompt format and sampler. */
import type { CausalLM, Sampler } from '@agon/core';
import { attachLora, createSampler, loadModel, type LoadedModel, type LoraModel, type ModelFiles } from '@agon/models';
import { initBackend, isNode } from '@agon/tensor';
import type { TrainConfig } from '../config.js';
import { modelPath } from '../model-path.js';
import { promptFormat, type PromptFormat } from '../prompt.js';
import type { Owned } from './owned.js';

/** The policy as the loop uses it. */
export interface Policy {
  loaded: LoadedModel;
  /** The model trained: `loaded.model`, or its LoRA wrapper. */
  model: CausalLM;
  lora: LoraModel | null;
  format: PromptFormat;
  /** Samples from `model` (the config's micro-batch size). */
  sampler: Sampler;
}

/**
 * Loads the config's model (unless `given`) from `files` or else the path it names, attaches LoRA
 * when the config asks, and registers what it loaded in `owned`.
 *
 * @example
 * ```ts
 * const policy = await buildPolicy(cfg, undefined, owned);
 * ```
 */
export async function buildPolicy(cfg: TrainConfig, given: LoadedModel | undefined, owned: Owned, files?: ModelFiles): Promise<Policy> {
  let loaded = given;
  if (!loaded) {
    if (!files && !isNode()) {
      throw new Error(`config: field model: ${JSON.stringify(cfg.model)} is a path, and a browser reads no paths; pass the model's files as deps.modelFiles (blobFiles, urlFiles, defaultModelFiles) or the loaded model as deps.policy`);
    }
    await initBackend({ backend: cfg.backend });
    try {
      loaded = await loadModel(files ?? modelPath(cfg.model));
    } catch (e) {
      throw new Error(`config: field model: ${(e as Error).message.split('\n')[0]}`);
    }
    owned.push(loaded.model);
  }
  let model: CausalLM = loaded.model;
  let lora: LoraModel | null = null;
  if (cfg.lora) {
    try {
      lora = attachLora(loaded.model, { r: cfg.lora.r, alpha: cfg.lora.alpha ?? 2 * cfg.lora.r, targetModules: cfg.lora.targetModules, seed: cfg.lora.seed });
    } catch (e) {
      throw new Error(`config: field lora: ${(e as Error).message.split('\n')[0]}`);
    }
    model = lora;
    // The LoRA model owns its base from here on: dispose it instead of the base.
    const k = owned.indexOf(loaded.model);
    const adapters = lora;
    if (k >= 0) owned[k] = adapters;
    else owned.push({ dispose: () => adapters.detach() });
  }
  if (cfg.memory.recompute) {
    if (!model.setRecompute) throw new Error(`config: field memory.recompute: the ${model.config.architecture} model cannot recompute activations (it has no setRecompute; every built-in architecture has)`);
    try {
      model.setRecompute(true);
    } catch (e) {
      throw new Error(`config: field memory.recompute: ${(e as Error).message}`);
    }
  }
  return { loaded, model, lora, format: promptFormat(loaded), sampler: createSampler(model, loaded.tokenizer, { microBatchSize: cfg.microBatchSize }) };
}
