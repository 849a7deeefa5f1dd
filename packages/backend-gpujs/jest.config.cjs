/** Jest for @agon/backend-gpujs: the workspace preset (swc, sources mapped by path). */
module.exports = { displayName: 'backend-gpujs', preset: '../../jest.preset.cjs', rootDir: __dirname };
