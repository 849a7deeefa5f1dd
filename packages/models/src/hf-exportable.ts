/**
 * What a model must offer to be saved as a Hugging Face folder (see `saveHfFolder`).
 */
import type { CausalLM } from '@agon/core';
import type { HostTensor } from './weights.js';

/**
 * A model that can describe itself as a Hugging Face checkpoint: the `config.json` object and its
 * weights keyed and laid out as that architecture's loader expects them.
 *
 * @example
 * ```ts
 * declare const model: CausalLM & HfExportable;
 * const { config, tensors } = await model.exportHf();
 * ```
 */
export interface HfExportable {
  exportHf(): Promise<{ config: Record<string, unknown>; tensors: Map<string, HostTensor> }>;
}

/**
 * True when `model` implements {@link HfExportable}.
 *
 * @example
 * ```ts
 * if (!isHfExportable(model)) throw new Error('cannot save this model');
 * ```
 */
export function isHfExportable(model: CausalLM): model is CausalLM & HfExportable {
  return typeof (model as Partial<HfExportable>).exportHf === 'function';
}
