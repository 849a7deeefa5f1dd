/**
 * `runWorker`: the rollout worker in Node — connects to the server with the user's credentials
 * and serves jobs until stopped.
 */
import { hostname } from 'node:os';
import { connectNats, type NatsCredentials } from './connect.js';
import { serveJobs, type ServeOptions, type WorkerSummary } from './worker.js';

/**
 * Options of {@link runWorker}.
 *
 * @example
 * ```ts
 * const opts: WorkerOptions = { server: 'nats://10.0.0.1:4222', credentials: credentialsFromEnv() };
 * ```
 */
export interface WorkerOptions extends ServeOptions {
  /** `nats://HOST:PORT`. */
  server: string;
  credentials?: NatsCredentials;
}

/**
 * Serves rollout jobs until `signal` fires (or `maxJobs` are done). Throws one line when the
 * server cannot be reached.
 *
 * @example
 * ```ts
 * import { runWorker, credentialsFromEnv } from '@agon/distributed';
 * const stop = new AbortController();
 * process.on('SIGINT', () => stop.abort());
 * await runWorker({ server: 'nats://10.0.0.1:4222', credentials: credentialsFromEnv(), signal: stop.signal, log: console.error });
 * ```
 */
export async function runWorker(opts: WorkerOptions): Promise<WorkerSummary> {
  const name = opts.name ?? `${hostname()}-${process.pid}`;
  const nc = await connectNats(opts.server, opts.credentials, { name: `agon worker ${name}` });
  try {
    return await serveJobs(nc, { ...opts, name });
  } finally {
    await nc.close().catch(() => undefined);
  }
}
