/** Jest for @agon/playground: the workspace preset (swc, sources mapped by path). */
module.exports = { displayName: 'playground', preset: '../../jest.preset.cjs', rootDir: __dirname };
