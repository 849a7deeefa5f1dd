/** Jest for @agon/models: the workspace preset (swc, sources mapped by path). */
module.exports = { displayName: 'models', preset: '../../jest.preset.cjs', rootDir: __dirname };
