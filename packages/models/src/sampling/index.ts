export { generate, createSampler } from './generate.js';
export type { GenerateOptions } from './generate.js';
export { samplingProbs, logProbOf } from './distribution.js';
export type { DistributionOptions } from './distribution.js';
export { checkStop } from './stopping.js';
export type { StopDecision } from './stopping.js';
