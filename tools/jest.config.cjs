/** Jest for workspace-level checks (packaging, lint boundaries): the workspace preset. */
module.exports = { displayName: 'tools', preset: '../jest.preset.cjs', rootDir: __dirname };
