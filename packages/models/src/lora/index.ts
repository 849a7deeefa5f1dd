// LoRA adapters: attach, train (only A/B), switch off for the reference model, merge, PEFT files.
export { attachLora, LoraModel } from './lora-model.js';
export type { LoraConfig, ResolvedLoraConfig, LoraAdapter, LoraInit } from './lora-model.js';
export { saveLoraAdapters, loraAdapterFiles, loadLoraAdapters, ADAPTER_CONFIG, ADAPTER_WEIGHTS } from './peft.js';
export type { SaveLoraOptions } from './peft.js';
export type { AdaptableModel } from './targets.js';
// What an architecture implements so that LoRA can wrap its linear modules.
export { AdapterSlot, isAdaptable, linearModule } from '../adaptable.js';
export type { Adaptable, AdapterHook, LinearModule } from '../adaptable.js';
