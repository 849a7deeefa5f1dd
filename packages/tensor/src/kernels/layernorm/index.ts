export { layerNorm } from './op.js';
export { registerLayerNormKernels, LAYERNORM_KERNEL, LAYERNORM_GRAD_KERNEL } from './kernels.js';
