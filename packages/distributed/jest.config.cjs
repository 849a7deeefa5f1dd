/** Jest for @agon/distributed: the workspace preset (swc, sources mapped by path). */
module.exports = { displayName: 'distributed', preset: '../../jest.preset.cjs', rootDir: __dirname };
