// Public API of @agon/tensor. Importing this entry registers nothing: backends, kernels and
// gradients are set up inside initBackend() / registerGradients().
export { tokenLogprobs } from './numerics/token-logprobs.js';
export { entropyFromLogits } from './numerics/entropy.js';
export { maskedSum, maskedMean } from './numerics/masked.js';
export { attentionMask } from './numerics/attention-mask.js';
export type { AttentionMaskOptions } from './numerics/attention-mask.js';
export { createRng, sampleCategorical, sampleLogits } from './rng.js';
export type { Rng, RngSeed } from './rng.js';
export { registerGradients } from './backend/gradients.js';
