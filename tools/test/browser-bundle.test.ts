// The browser bundles of @agon/trainer and @agon/models: esbuild with platform 'browser' and no
// externals, resolving each package as a browser bundler does (its `browser` condition, and the
// `browser` field maps by which packages such as tfjs' wasm glue drop their Node-only requires).
// Any Node module the bundle still reaches (`node:fs`, or a bare built-in such as `module`) cannot
// be resolved for a browser and fails the test, named with the file that imports it.
import { build, type Message } from 'esbuild';
import { agonBrowserSources, root } from '../browser/harness.js';

/** Bundles `source` for a browser; returns every module it could not resolve ("importer → module"). */
async function nodeImports(source: string): Promise<string[]> {
  try {
    await build({
      stdin: { contents: source, resolveDir: root, loader: 'ts', sourcefile: 'entry.ts' },
      absWorkingDir: root,
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
      plugins: [agonBrowserSources],
    });
    return [];
  } catch (e) {
    const errors = (e as { errors?: Message[] }).errors;
    if (!errors) throw e;
    return errors.map((m) => {
      const what = /^Could not resolve "([^"]+)"/.exec(m.text)?.[1];
      if (!what) throw new Error(`esbuild failed: ${m.text} (${m.location?.file}:${m.location?.line})`);
      return `${m.location?.file ?? '?'} → ${what}`;
    });
  }
}

describe('browser bundles pull in no Node module', () => {
  it.each(['@agon/trainer', '@agon/models'])('%s', async (pkg) => {
    expect(await nodeImports(`export * from '${pkg}';`)).toEqual([]);
  }, 60_000);

  it('the check sees a Node import when one is there', async () => {
    expect(await nodeImports(`import { readFile } from 'node:fs/promises'; import { createRequire } from 'module'; export { readFile, createRequire };`)).toEqual([
      'entry.ts → node:fs/promises',
      'entry.ts → module',
    ]);
  }, 60_000);
});
