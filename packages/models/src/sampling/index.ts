export { generate, createSampler } from './generate.js';
export type { GenerateOptions } from './generate.js';
