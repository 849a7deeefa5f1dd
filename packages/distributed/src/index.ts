/**
 * `@agon/distributed`: Language Self-Play rollouts over NATS JetStream — rollout workers on any
 * number of machines, the learner's remote rollout runner, and policy versions in the Object Store.
 * @packageDocumentation
 */
export { connectNats, credentialsFromEnv, redactUrl, type NatsCredentials } from './connect.js';
export { natsRollouts, type NatsRolloutOptions } from './learner.js';
export { openResults, type ResultInbox } from './results.js';
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
export { runWorker, type WorkerOptions } from './node-worker.js';
export { serveJobs, type ServeOptions, type WorkerSummary } from './worker.js';
