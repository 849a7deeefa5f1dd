/**
 * `@agon/models/testing`: a scripted causal LM, so code that trains or samples (a trainer, a
 * fork's game or reward) is tested without weights.
 * @packageDocumentation
 */
export { scriptedModel } from './scripted-model.js';
export type { ScriptedModelOptions } from './scripted-model.js';
