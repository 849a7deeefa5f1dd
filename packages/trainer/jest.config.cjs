/** Jest for @agon/trainer: the workspace preset (swc, sources mapped by path). */
module.exports = { displayName: 'trainer', preset: '../../jest.preset.cjs', rootDir: __dirname };
