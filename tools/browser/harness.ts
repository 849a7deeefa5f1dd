// Headless Chromium for the browser tests: bundles one entry file for the browser with esbuild,
// serves it (plus tfjs' and agon's wasm binaries under /wasm/) on 127.0.0.1, and opens it in
// Debian's Chromium driven by playwright-core. On a laptop without Chromium the suites are skipped
// with a printed reason; under CI they must run.
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = process.env.AGON_CHROMIUM ?? '/usr/bin/chromium';
// tfjs' binaries and agon's kernels, served from one prefix (initBackend's wasmPaths).
const wasmDirs = [path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist'), path.join(root, 'packages/tensor/wasm')];
const required = Boolean(process.env.CI);
const missing = existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set AGON_CHROMIUM)`;
if (missing && !required) console.warn(`skipping browser tests: ${missing}`);

/** `describe`, or `describe.skip` when Chromium is missing outside CI. */
export const browserSuite = missing && !required ? describe.skip : describe;

/**
 * esbuild resolution of `@agon/<pkg>` and `@agon/<pkg>/<sub>` to the packages' sources as a browser
 * sees them: a package's `src/browser.ts` where it has one (its `browser` export condition), else
 * `src/index.ts`; a subpath to `src/<sub>/index.ts`.
 */
export const agonBrowserSources: Plugin = {
  name: 'agon-browser-sources',
  setup(b) {
    b.onResolve({ filter: /^@agon\/[\w-]+(\/[\w-]+)?$/ }, (args) => {
      const [, pkg, sub] = args.path.split('/');
      const src = path.join(root, 'packages', pkg, 'src');
      if (sub) return { path: path.join(src, sub, 'index.ts') };
      const browser = path.join(src, 'browser.ts');
      return { path: existsSync(browser) ? browser : path.join(src, 'index.ts') };
    });
  },
};

/**
 * Starts Debian's Chromium headless with WebGPU on (SwiftShader's Vulkan where there is no GPU) and
 * WebGL through SwiftShader; throws under CI when Chromium is missing.
 */
export async function launchChromium(): Promise<Browser> {
  if (missing) throw new Error(`browser tests are required under CI: ${missing}`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-angle=swiftshader',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** A page serving one bundle, and how to close it. */
export interface BrowserPage {
  page: Page;
  /** The prefix the wasm binaries are served from (for initBackend's wasmPaths). */
  wasmUrl: string;
  close(): Promise<void>;
}

/** What a page serves besides its bundle. */
export interface PageExtras {
  /** An entry bundled like the page's own and served at `/worker.js` (for `new Worker('/worker.js', { type: 'module' })`). */
  worker?: string;
  /** Local folders served under a URL prefix: `{ 'default-model': dir }` serves `dir/x` at `/default-model/x`. */
  folders?: Record<string, string>;
}

/**
 * Bundles `entry` (platform: 'browser', ESM) with `options` added, serves it (and `extras`) and
 * opens it; resolves when the page has run the bundle's top level.
 */
export async function openPage(entry: string, options: BuildOptions = {}, extras: PageExtras = {}): Promise<BrowserPage> {
  if (missing) throw new Error(`browser tests are required under CI: ${missing}`);
  const bundle = async (file: string) =>
    (await build({ entryPoints: [file], bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent', ...options })).outputFiles?.[0]?.text ?? '';
  const js = await bundle(entry);
  const workerJs = extras.worker ? await bundle(extras.worker) : undefined;
  const served = (url: string) => {
    const [, prefix, name] = /^\/([\w-]+)\/([\w.-]+)$/.exec(url) ?? [];
    const dir = prefix === 'wasm' ? undefined : extras.folders?.[prefix];
    const file = dir && path.join(dir, name);
    return file && existsSync(file) ? file : undefined;
  };
  const server = http.createServer((req, res) => {
    // Cross-origin isolated, as the playground is served: SharedArrayBuffer exists, and libraries
    // that switch to threads on it (tfjs' wasm backend) are tested in that state.
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    const url = req.url ?? '/';
    // /wasm/: tfjs' and agon's binaries, and agon's kernel thread script beside them.
    const file = url.startsWith('/wasm/') && /^[\w.-]+\.(wasm|js)$/.test(url.slice(6)) ? wasmDirs.map((d) => path.join(d, url.slice(6))).find((f) => existsSync(f)) : undefined;
    const other = served(url);
    if (url === '/') {
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><meta charset="utf-8"><script type="module" src="/bundle.js"></script>');
    } else if (url === '/bundle.js' || (url === '/worker.js' && workerJs !== undefined)) {
      res.setHeader('content-type', 'text/javascript');
      res.end(url === '/bundle.js' ? js : workerJs);
    } else if (other) {
      res.end(readFileSync(other));
    } else if (file) {
      res.setHeader('content-type', file.endsWith('.js') ? 'text/javascript' : 'application/wasm');
      res.end(readFileSync(file));
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await new Promise((ok) => server.close(ok));
  };
  try {
    browser = await launchChromium();
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForLoadState('load');
    if (errors.length) throw new Error(`the page failed: ${errors.join('; ')}`);
    return { page, wasmUrl: `http://127.0.0.1:${port}/wasm/`, close };
  } catch (e) {
    await close();
    throw e;
  }
}
