export { swiGlu, swiGluPacked } from './op.js';
export { registerSwiGluKernels, SWIGLU_KERNEL, SWIGLU_GRAD_KERNEL, SWIGLU_PACKED_KERNEL, SWIGLU_PACKED_GRAD_KERNEL } from './kernels.js';
