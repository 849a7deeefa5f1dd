/** Jest for @agon/objectives: the workspace preset (swc, sources mapped by path). */
module.exports = { displayName: 'objectives', preset: '../../jest.preset.cjs', rootDir: __dirname };
