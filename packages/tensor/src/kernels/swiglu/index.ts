export { swiGlu } from './op.js';
export { registerSwiGluKernels, SWIGLU_KERNEL, SWIGLU_GRAD_KERNEL } from './kernels.js';
