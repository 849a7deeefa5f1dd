/** Jest for @agon/tensor: the workspace preset (swc, sources mapped by path). */
const { existsSync } = require('node:fs');

// WebGPU tests on GPU-less machines: point the Vulkan loader at SwiftShader (Dawn rejects
// lavapipe). Set here, in the jest parent process, because a test file's `process.env` is a
// sandbox copy that never reaches the native loader; workers inherit this environment.
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

module.exports = { displayName: 'tensor', preset: '../../jest.preset.cjs', rootDir: __dirname };
