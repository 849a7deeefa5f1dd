/** The exporter piece: the trained policy as files (a Hugging Face folder, or PEFT adapters). */
import { hfFolderFiles, isHfExportable, loraAdapterFiles, type SourceFiles } from '@agon/models';
import type { Policy } from './model.js';

/**
 * The trained policy as files for the run folder.
 *
 * @example
 * ```ts
 * const exporter: Exporter = { folder: 'model', files: async () => [['config.json', '{}']] };
 * ```
 */
export interface Exporter {
  /** Folder of the run folder the files go to (`model` or `adapter`). */
  readonly folder: string;
  /** The files in the order to write them (the one that marks the folder complete last). */
  files(): Promise<[string, Uint8Array | string][]>;
}

/**
 * Where the policy came from, when it was loaded from disk: the base model's path as adapters
 * name it, and its tokenizer files.
 */
export interface ModelSource {
  /** Written as the adapters' `base_model_name_or_path`. */
  basePath: string;
  /** The tokenizer files and special token ids the exported folder carries. */
  tokenizerFiles(): Promise<SourceFiles>;
}

/**
 * PEFT adapter files for a LoRA policy (naming the base when its source is known); a Hugging
 * Face folder plus the source's tokenizer files for a full fine-tune of an exportable model; null
 * when neither applies (e.g. a model the caller passed in, whose tokenizer files the trainer
 * cannot know).
 *
 * @example
 * ```ts
 * const path = modelPath(cfg.model);
 * const exporter = buildExporter(policy, { basePath: await absoluteModelPath(path), tokenizerFiles: () => tokenizerFiles(path) });
 * ```
 */
export function buildExporter(policy: Policy, source: ModelSource | null): Exporter | null {
  const { lora, model } = policy;
  if (lora) return { folder: 'adapter', files: () => loraAdapterFiles(lora, source ? { baseModelNameOrPath: source.basePath } : {}) };
  if (!source || !isHfExportable(model)) return null;
  return {
    folder: 'model',
    files: async () => {
      const { files, tokenIds } = await source.tokenizerFiles();
      return hfFolderFiles(model, { files: Object.fromEntries(files), configFields: tokenIds });
    },
  };
}
