#!/usr/bin/env node
// Serves a built playground folder on 127.0.0.1 with the cross-origin-isolation headers (so
// `crossOriginIsolated` is true and the wasm backend runs threads) and prints its URL.
//
//   node packages/playground/scripts/serve.mjs [--port 8417] [dir]
import { existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ISOLATION_HEADERS } from './build.mjs';

/** @type {Record<string, string>} */
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.safetensors': 'application/octet-stream',
};

/**
 * Serves `dir` on 127.0.0.1:`port` (0: any free port) with COOP/COEP on every response (unless
 * `isolated` is false: a host without them, where wasm runs one thread).
 * @param {string} dir
 * @param {number} [port]
 * @param {{ isolated?: boolean }} [opts]
 * @returns {Promise<{ url: string, close(): Promise<void> }>}
 */
export async function servePlayground(dir, port = 0, opts = {}) {
  const base = resolve(dir);
  const server = http.createServer((req, res) => {
    if (opts.isolated !== false) for (const [k, v] of Object.entries(ISOLATION_HEADERS)) res.setHeader(k, v);
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = join(base, path.endsWith('/') ? `${path}index.html` : path);
    if (!(file === base || file.startsWith(base + sep)) || !existsSync(file) || !statSync(file).isFile()) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    res.setHeader('content-type', TYPES[extname(file)] ?? 'application/octet-stream');
    res.end(readFileSync(file));
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok(undefined));
  });
  const addr = /** @type {import('node:net').AddressInfo} */ (server.address());
  return { url: `http://127.0.0.1:${addr.port}/`, close: () => new Promise((ok) => server.close(() => ok(undefined))) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--port');
  const port = i >= 0 ? Number(args.splice(i, 2)[1]) : 8417;
  const dir = args[0] ?? join(dirname(fileURLToPath(import.meta.url)), '../dist');
  if (!existsSync(join(dir, 'index.html'))) {
    console.error(`${dir}: no built playground here (run: npx nx run @agon/playground:build)`);
    process.exit(1);
  }
  const { url } = await servePlayground(dir, port);
  console.log(`agon playground: ${url}  (cross-origin isolated; Ctrl-C stops the server)`);
}
