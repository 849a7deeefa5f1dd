// Runs once in jest's parent process, before any test environment exists. Test environments get
// a copy of process.env, so a variable set inside a test never reaches the native Vulkan loader:
// it must be set here. On a machine without a GPU driver, WebGPU tests use SwiftShader (shipped by
// Debian's chromium package) unless the user named an ICD already. Tests only: the library never
// picks a software GPU behind a user's back.
const { existsSync } = require('node:fs');

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

module.exports = async function globalSetup() {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
};
