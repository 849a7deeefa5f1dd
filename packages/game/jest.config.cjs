/** Jest for @agon/game: the workspace preset (swc, sources mapped by path). */
module.exports = { displayName: 'game', preset: '../../jest.preset.cjs', rootDir: __dirname };
