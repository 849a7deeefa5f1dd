#!/usr/bin/env node
// Builds the playground as a static folder (default: packages/playground/dist): the page and the
// training worker bundled for browsers by esbuild, uPlot's stylesheet, the tfjs and agon wasm
// binaries, the embedded default model and the default recipe. Any static host serves it; with
// COOP/COEP headers (scripts/serve.mjs, or the _headers file for hosts that read one) the wasm
// backend also runs threads.
//
//   node packages/playground/scripts/build.mjs [outDir]
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MODEL, DEFAULT_MODEL_FILES } from '@agon/trainer';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = resolve(here, '..');
const root = resolve(pkg, '../..');

/** The cross-origin-isolation headers: with them `crossOriginIsolated` is true and wasm runs threads. */
export const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/**
 * Builds the static folder `outDir`. `plugins` are added to esbuild's (tests resolve `@agon/*` to
 * the packages' sources with one; the default build resolves them to their built `dist/`).
 * @param {{ outDir?: string, plugins?: import('esbuild').Plugin[], minify?: boolean }} [opts]
 * @returns {Promise<string>} the folder
 */
export async function buildPlayground(opts = {}) {
  const out = resolve(opts.outDir ?? join(pkg, 'dist'));
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: { main: join(pkg, 'src/main.ts'), worker: join(pkg, 'src/worker.ts') },
    outdir: out,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: opts.minify ?? true,
    sourcemap: true,
    // Node-only branches of @agon/tensor (Dawn, tfjs' Node bundle) are never reached in a browser.
    external: ['webgpu', '@tensorflow/tfjs'],
    // No tsconfig: its `paths` point @agon/* at the Node entries of the sources; packages resolve as
    // a user's bundler resolves them, through their exports (the `browser` condition, dist/).
    tsconfigRaw: {},
    logLevel: 'warning',
    plugins: opts.plugins ?? [],
  });
  for (const f of ['index.html', 'style.css']) copyFileSync(join(pkg, 'src', f), join(out, f));
  copyFileSync(join(root, 'node_modules/uplot/dist/uPlot.min.css'), join(out, 'uPlot.min.css'));
  mkdirSync(join(out, 'wasm'));
  // tfjs' binaries, and @agon/tensor's wasm/ folder whole: its kernels and their thread script.
  for (const f of readdirSync(join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist')).filter((n) => n.endsWith('.wasm'))) {
    copyFileSync(join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist', f), join(out, 'wasm', f));
  }
  for (const f of readdirSync(join(root, 'packages/tensor/wasm'))) copyFileSync(join(root, 'packages/tensor/wasm', f), join(out, 'wasm', f));
  // The worker reads the default model from here (DEFAULT_MODEL_DIR in src/model-files.ts).
  mkdirSync(join(out, 'model/default'), { recursive: true });
  for (const f of DEFAULT_MODEL_FILES) copyFileSync(join(DEFAULT_MODEL, f), join(out, 'model/default', f));
  mkdirSync(join(out, 'recipes'));
  copyFileSync(join(root, 'packages/trainer/recipes/default.json'), join(out, 'recipes/default.json'));
  // Netlify / Cloudflare Pages read this file for response headers.
  writeFileSync(join(out, '_headers'), `/*\n${Object.entries(ISOLATION_HEADERS).map(([k, v]) => `  ${k}: ${v}`).join('\n')}\n`);
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = await buildPlayground({ outDir: process.argv[2] });
  console.log(`built the playground into ${out}`);
}
