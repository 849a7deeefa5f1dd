/**
 * The two distributions a sampled token is scored under — the model's own (temperature 1, nothing
 * filtered) and the one actually sampled from (temperature, top-k, top-p, min-p) — are computed
 * by the sampling math of `@agon/tensor`, the one the `AgonSampleTokens` kernel runs.
 */
export { checkDistributionOptions, logProbOf, samplingProbs } from '@agon/tensor';
export type { DistributionOptions } from '@agon/tensor';
