// Public API of @agon/tensor. Importing this entry registers nothing: backends, kernels and
// gradients are set up inside initBackend() / registerGradients().
export { initBackend, releaseBackend, registerBuiltinProviders } from './backend/init.js';
export type { BackendInfo, InitBackendOptions } from './backend/init.js';
export { registerBackendProvider, backendProviders, getBackendProvider } from './backend/provider.js';
export type { BackendProvider, GpuAdapterSummary, ProviderContext, ProviderStarted } from './backend/provider.js';
export { isSoftwareAdapter } from './backend/webgpu.js';
export { watchPeakTensorBytes } from './backend/peak-bytes.js';
export type { PeakWatch } from './backend/peak-bytes.js';
export { watchDispatches } from './backend/dispatch-count.js';
export type { DispatchCounts, DispatchWatch } from './backend/dispatch-count.js';
export { registerGradients, isNode } from './backend/gradients.js';
export { importNodeBuiltin, nextMacrotask } from './node-builtin.js';
export { registerWasmKernels } from './backend/wasm.js';
export { tokenLogprobs } from './numerics/token-logprobs.js';
export { linearTokenLogprobs, LOGIT_CHUNK_BYTES, KEEP_LOGITS_BYTES } from './numerics/linear-token-logprobs.js';
export type { LinearLogprobsOptions } from './numerics/linear-token-logprobs.js';
export { recompute } from './numerics/recompute.js';
export { variableGrads } from './numerics/variable-grads.js';
export type { RecomputeBlock, RecomputeOptions } from './numerics/recompute.js';
export { entropyFromLogits } from './numerics/entropy.js';
export { maskedSum, maskedMean } from './numerics/masked.js';
export { attentionMask } from './numerics/attention-mask.js';
export { fusedAttention, registerAttentionKernels } from './kernels/attention/index.js';
export type { AttentionOptions } from './kernels/attention/index.js';
export { linear } from './kernels/linear/op.js';
export { rmsNorm, registerRmsNormKernels } from './kernels/rmsnorm/index.js';
export { layerNorm, registerLayerNormKernels } from './kernels/layernorm/index.js';
export { swiGlu, swiGluPacked, registerSwiGluKernels } from './kernels/swiglu/index.js';
export { rope, registerRopeKernels, ropeCosSin } from './kernels/rope/index.js';
export type { RopeLayout } from './kernels/rope/index.js';
export { gelu, registerGeluKernels } from './kernels/gelu/index.js';
export type { GeluForm } from './kernels/gelu/index.js';
export { logSoftmaxGather, registerTokenLogprobsKernels } from './kernels/token-logprobs/index.js';
export { adamwStep, registerAdamWKernels } from './kernels/adamw/index.js';
export type { AdamWStepOptions } from './kernels/adamw/index.js';
export type { AttentionMaskOptions } from './numerics/attention-mask.js';
export {
  sampleTokens,
  sampleTokensOnHost,
  drawWords,
  hasSampleKernel,
  registerSampleKernels,
  SAMPLE_KERNEL,
  argMax,
  checkDistributionOptions,
  logProbOf,
  samplingProbs,
} from './kernels/sample/index.js';
export type { DistributionOptions } from './kernels/sample/index.js';
export { createRng, sampleCategorical, sampleLogits } from './rng.js';
export type { Rng, RngSeed } from './rng.js';
