// Public API of @agon/backend-gpujs. Importing it registers nothing and loads no gpu.js: call
// registerGpujsProvider(), then initBackend({ backend: 'gpujs' }) from @agon/tensor.
export { gpujsInfo, gpujsProvider, registerGpujsProvider } from './provider.js';
export type { GpujsInfo, GpujsProviderOptions } from './provider.js';
export { GPUJS_MODES } from './gpu-mode.js';
export type { GpujsMode } from './gpu-mode.js';
