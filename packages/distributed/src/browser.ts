/**
 * `@agon/distributed` in a browser: a tab serves rollout jobs over the NATS server's WebSocket
 * listener (`websocket { port: 8080 }` in nats-server's config). Connect with `wsconnect` of
 * `@nats-io/nats-core` and hand the connection to {@link serveJobs}, with the model's files (a
 * browser reads no paths). The learner, the Node connection helpers and the test server are
 * Node-only.
 *
 * @example
 * ```ts
 * import { wsconnect } from '@nats-io/nats-core';
 * import { serveJobs } from '@agon/distributed';
 * import { defaultModelFiles } from '@agon/trainer';
 * const nc = await wsconnect({ servers: 'ws://127.0.0.1:8080' });
 * await serveJobs(nc, { name: 'tab-1', pieces: () => ({ modelFiles: defaultModelFiles(new URL('default-model/', location.href)) }) });
 * ```
 * @packageDocumentation
 */
export {
  configObject,
  ensureLayout,
  JOBS_STREAM,
  jobsSubject,
  POLICY_BUCKET,
  RESULTS_STREAM,
  resultsSubject,
  versionObject,
  WORKERS_CONSUMER,
  type LayoutOptions,
} from './streams.js';
export { decodeMessage, encodeMessage, parseJobMessage, parseResultMessage, type JobMessage, type ResultMessage } from './wire.js';
export { serveJobs, type ServeOptions, type WorkerSummary } from './worker.js';
