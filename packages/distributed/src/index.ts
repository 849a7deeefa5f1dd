/**
 * `@agon/distributed`: Language Self-Play rollouts over NATS JetStream — rollout workers on any
 * number of machines, the learner's remote rollout runner, and policy versions in the Object Store.
 * @packageDocumentation
 */
export { connectNats, credentialsFromEnv, redactUrl, type NatsCredentials } from './connect.js';
