export { fusedAttention } from './op.js';
export type { AttentionOptions } from './op.js';
export { registerAttentionKernels, ATTENTION_KERNEL, ATTENTION_GRAD_KERNEL } from './kernels.js';
