export { adamwStep } from './op.js';
export type { AdamWStepOptions } from './op.js';
export { registerAdamWKernels, ADAMW_KERNEL } from './kernels.js';
