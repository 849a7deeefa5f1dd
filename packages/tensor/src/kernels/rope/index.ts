export { rope } from './op.js';
export type { RopeLayout } from './math.js';
export { registerRopeKernels, ROPE_KERNEL, ROPE_GRAD_KERNEL } from './kernels.js';
export { ropeCosSin, ROPE_COS_SIN_KERNEL } from './angles.js';
