export { rmsNorm } from './op.js';
export { registerRmsNormKernels, RMSNORM_KERNEL, RMSNORM_GRAD_KERNEL } from './kernels.js';
