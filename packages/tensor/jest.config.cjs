/** Jest for @agon/tensor: the workspace preset (swc, sources mapped by path). */
module.exports = { displayName: 'tensor', preset: '../../jest.preset.cjs', rootDir: __dirname };
