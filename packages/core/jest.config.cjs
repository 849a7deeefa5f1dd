/** Jest for @agon/core: the workspace preset (swc, sources mapped by path). */
module.exports = { displayName: 'core', preset: '../../jest.preset.cjs', rootDir: __dirname };
