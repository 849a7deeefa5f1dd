/**
 * `@agon/models`: load and run causal language models in TensorFlow.js — llama2.c checkpoints and
 * Hugging Face folders (Llama, Qwen2, Qwen3, Mistral, GPT-2), with their tokenizers and chat templates.
 * @packageDocumentation
 */
export { loadModel, STORIES_260K } from './load.js';
export type { LoadedModel, LoadModelOptions } from './load.js';
export { fileUrlPath } from './files/path.js';
export { folderFiles, blobFiles, urlFiles, modelFilesIO, isLlama2cTokenizer } from './files/model-files.js';
export type { ModelFiles } from './files/model-files.js';
export { greedyGenerate } from './greedy.js';
export type { GreedyOptions } from './greedy.js';
export { LayerKVCache, emptyKVCache } from './kv-cache.js';
export type { LayerKV } from './kv-cache.js';
export { buildArchitecture, registerArchitecture, supportedArchitectures } from './architectures.js';
export type { ArchitectureBuilder } from './architectures.js';
// Config types, and the reader of JSON config fields every loader uses.
export type { HfConfigJson, JsonObject, DecoderConfig, RopeScaling, FamilyDefaults, Gpt2Config, Gpt2Activation } from './config/types.js';
export { JsonFields, parseJsonObject } from './config/fields.js';
export type { NumberRule } from './config/fields.js';
export { DecoderModel, decoderWeightShapes } from './arch/decoder.js';
export type { DecoderIdentity } from './arch/decoder.js';
export { parseDecoderConfig, decoderConfigToHf } from './arch/decoder-config.js';
export { buildLlama } from './arch/llama.js';
export { buildQwen2 } from './arch/qwen2.js';
export { buildQwen3 } from './arch/qwen3.js';
export { buildMistral } from './arch/mistral.js';
export { parseLlama2cCheckpoint } from './llama2c/checkpoint.js';
export type { Llama2cCheckpoint } from './llama2c/checkpoint.js';
export { parseLlama2cTokenizer, Llama2cTokenizer } from './llama2c/tokenizer.js';
export { convertLlama2cToHf } from './llama2c/convert.js';
export { saveHfFolder, hfFolderFiles } from './save.js';
export { tokenizerFiles, LLAMA2C_GENERATION_CONFIG } from './tokenizer-files.js';
export type { SourceFiles } from './tokenizer-files.js';
export type { SaveHfOptions } from './save.js';
export { isHfExportable } from './hf-exportable.js';
export type { HfExportable } from './hf-exportable.js';
export { weightSource } from './weights.js';
export type { HostTensor, WeightSource } from './weights.js';
// Hugging Face folders, safetensors and GPT-2.
export { readHfFolder, nodeFolderIO, hfTokenizer, jinjaChatFormat } from './hf/index.js';
export type { BosRule, HfFolder, FolderIO, HfTokenizer, HfTokenizerOptions } from './hf/index.js';
export {
  parseSafetensors,
  serializeSafetensors,
  readSafetensors,
  writeSafetensors,
  encodeHostTensors,
  safetensorsWeightSource,
  readShardedSafetensors,
  writeFileAtomic,
  namedIoError,
  toFloat32,
} from './safetensors/index.js';
export type { SafetensorsFile, SafetensorsTensor, SafetensorsDtype, FloatDtype, ReadBytes } from './safetensors/index.js';
export { Gpt2Model, buildGpt2, gpt2WeightShapes } from './arch/gpt2.js';
export { parseGpt2Config, gpt2ConfigToHf } from './arch/gpt2-config.js';
// The batched sampler.
export { generate, createSampler } from './sampling/index.js';
export type { GenerateOptions } from './sampling/index.js';
// LoRA adapters and reward-model heads.
export { attachLora, LoraModel, saveLoraAdapters, loraAdapterFiles, loadLoraAdapters, ADAPTER_CONFIG, ADAPTER_WEIGHTS } from './lora/index.js';
export type { LoraConfig, ResolvedLoraConfig, LoraAdapter, LoraInit, SaveLoraOptions, AdaptableModel } from './lora/index.js';
export { AdapterSlot, isAdaptable, linearModule } from './adaptable.js';
export type { Adaptable, AdapterHook, LinearModule } from './adaptable.js';
export { SequenceClassifier, buildSequenceClassifier, SEQUENCE_CLASSIFIERS, RewardModel, loadRewardModel } from './reward/index.js';
export type { RewardModelOptions } from './reward/index.js';
