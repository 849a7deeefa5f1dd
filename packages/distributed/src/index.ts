/**
 * `@agon/distributed`: Language Self-Play rollouts over NATS JetStream — rollout workers on any
 * number of machines, the learner's remote rollout runner, and policy versions in the Object Store.
 * @packageDocumentation
 */
export * from './browser.js';
// Node only: connecting over TCP with credentials from files, the learner, the worker that connects.
export { connectNats, credentialsFromEnv, redactUrl, type NatsCredentials } from './connect.js';
export { natsRollouts, type NatsRolloutOptions } from './learner.js';
export { openResults, type ResultInbox } from './results.js';
export { runWorker, type WorkerOptions } from './node-worker.js';
