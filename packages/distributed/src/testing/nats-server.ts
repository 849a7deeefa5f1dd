/**
 * A throw-away `nats-server` for tests: JetStream on, file storage in a temp folder, listening on
 * a free 127.0.0.1 port. Nothing here relies on a system service; `stop()` removes the folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * A running test server.
 *
 * @example
 * ```ts
 * const server = await startNatsServer();
 * try { await runWorker({ server: server.url }); } finally { await server.stop(); }
 * ```
 */
export interface TestNatsServer {
  /** `nats://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** The JetStream store folder (`-sd`), kept across {@link TestNatsServer.restart}. */
  readonly storeDir: string;
  /** The server process's id (for tests that kill it). */
  readonly pid: number;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and removes the store folder. */
  stop(): Promise<void>;
  /** Stops the server, keeping the store, and starts it again on the same port. */
  restart(): Promise<void>;
}

/** Options of {@link startNatsServer}. */
export interface TestNatsServerOptions {
  /** The binary. Default: `$NATS_SERVER`, else `nats-server` on PATH, else `/usr/sbin/nats-server`. */
  binary?: string;
  /** Extra command-line arguments (e.g. `['--user', 'u', '--pass', 'p']`). */
  args?: string[];
  /** Milliseconds to wait for "Server is ready". Default 10000. */
  readyTimeoutMs?: number;
}

/**
 * Finds the `nats-server` binary, or throws saying how to install it.
 *
 * @example
 * ```ts
 * const bin = natsServerBinary(); // '/usr/sbin/nats-server'
 * ```
 */
export function natsServerBinary(explicit?: string): string {
  const candidates = [explicit, process.env['NATS_SERVER'], ...(process.env['PATH'] ?? '').split(delimiter).map((d) => d && join(d, 'nats-server')), '/usr/sbin/nats-server'];
  for (const c of candidates) if (c && existsSync(c)) return c;
  throw new Error('nats-server not found (set NATS_SERVER, or install it: apt-get install nats-server)');
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts `nats-server -js -sd <temp> -a 127.0.0.1 -p <free port>` and waits until it is ready.
 *
 * @example
 * ```ts
 * const server = await startNatsServer();
 * console.log(server.url); // nats://127.0.0.1:39211
 * await server.restart();  // same port, same store: streams survive
 * await server.stop();
 * ```
 */
export async function startNatsServer(opts: TestNatsServerOptions = {}): Promise<TestNatsServer> {
  const binary = natsServerBinary(opts.binary);
  const storeDir = mkdtempSync(join(tmpdir(), 'agon-nats-'));
  const port = await freePort();
  const args = ['-js', '-sd', storeDir, '-a', '127.0.0.1', '-p', String(port), ...(opts.args ?? [])];
  let child: ChildProcess;
  try {
    child = await launch(binary, args, opts.readyTimeoutMs ?? 10_000);
  } catch (e) {
    rmSync(storeDir, { recursive: true, force: true });
    throw e;
  }
  const server: TestNatsServer = {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    get pid() {
      return child.pid ?? -1;
    },
    async stop() {
      await halt(child);
      rmSync(storeDir, { recursive: true, force: true });
    },
    async restart() {
      await halt(child);
      child = await launch(binary, args, opts.readyTimeoutMs ?? 10_000);
    },
  };
  return server;
}

function launch(binary: string, args: string[], timeoutMs: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    const timer = setTimeout(() => fail(new Error(`nats-server did not report ready within ${timeoutMs} ms:\n${log.slice(-2000)}`)), timeoutMs);
    const fail = (e: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(e);
    };
    child.once('error', (e) => fail(new Error(`cannot start ${binary}: ${e.message}`)));
    child.once('exit', (code) => fail(new Error(`nats-server exited with code ${code} before it was ready:\n${log.slice(-2000)}`)));
    child.stderr?.on('data', (d: Buffer) => {
      if (log.length < 100_000) log += d.toString();
      if (log.includes('Server is ready')) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.stderr?.removeAllListeners('data');
        child.stderr?.resume(); // keep draining so the server never blocks on a full pipe
        resolve(child);
      }
    });
  });
}

async function halt(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
