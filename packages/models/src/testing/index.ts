/**
 * `@agon/models/testing`: a scripted causal LM, so code that trains or samples (a trainer, a
 * fork's game or reward) is tested without weights; and Hugging Face folders of random weights at
 * real models' shapes, for tests and benchmarks that need the shapes but not the weights.
 * @packageDocumentation
 */
export { scriptedModel } from './scripted-model.js';
export type { ScriptedModelOptions } from './scripted-model.js';
export { writeRandomHfFolder, HF_SHAPES } from './random-folder.js';
export type { HfShapeName, RandomFolderOptions } from './random-folder.js';
