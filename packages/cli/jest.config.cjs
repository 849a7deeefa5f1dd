/** Jest for @agon/cli: the workspace preset (swc, sources mapped by path). */
module.exports = { displayName: 'cli', preset: '../../jest.preset.cjs', rootDir: __dirname };
