// LoRA adapters: attach, train (only A/B), switch off for the reference model, merge, PEFT files.
export { attachLora, LoraModel } from './lora-model.js';
export type { LoraConfig, ResolvedLoraConfig, LoraAdapter, LoraInit } from './lora-model.js';
export { saveLoraAdapters, loraAdapterFiles, loadLoraAdapters, ADAPTER_CONFIG, ADAPTER_WEIGHTS } from './peft.js';
export type { SaveLoraOptions } from './peft.js';
export { linearModules, selectModules, peftTargetNames } from './targets.js';
export type { AdaptableModel, LinearModule } from './targets.js';
export { adaptLinear } from './hook.js';
export type { AdapterHook } from './hook.js';
