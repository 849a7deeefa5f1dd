// @agon/tensor/testing: helpers for tests of any package that runs tensors.
export { expectNoLeaks } from './leaks.js';
export {
  SWIFTSHADER_ICD,
  backendsUnderTest,
  describeEachBackend,
  probeBackend,
  requiredBackends,
  useSoftwareVulkanIfUnset,
} from './backends.js';
export { kernelThreads } from './threads.js';
