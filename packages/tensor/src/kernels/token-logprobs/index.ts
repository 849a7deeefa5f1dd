export { logSoftmaxGather } from './op.js';
export { registerTokenLogprobsKernels, TOKEN_LOGPROBS_KERNEL, TOKEN_LOGPROBS_GRAD_KERNEL } from './kernels.js';
