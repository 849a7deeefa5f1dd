/** Jest for @agon/tensor: the workspace preset (swc, sources mapped by path; its global setup points WebGPU tests at SwiftShader). */
module.exports = { displayName: 'tensor', preset: '../../jest.preset.cjs', rootDir: __dirname };
