export { sampleTokens, sampleTokensOnHost, drawWords, hasSampleKernel } from './op.js';
export { registerSampleKernels, SAMPLE_KERNEL } from './kernels.js';
export { argMax, checkDistributionOptions, logProbOf, samplingProbs } from './math.js';
export type { DistributionOptions } from './math.js';
