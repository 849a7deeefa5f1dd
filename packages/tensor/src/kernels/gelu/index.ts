export { gelu } from './op.js';
export type { GeluForm } from './math.js';
export { registerGeluKernels, GELU_KERNEL, GELU_GRAD_KERNEL } from './kernels.js';
