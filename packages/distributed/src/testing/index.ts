/**
 * `@agon/distributed/testing`: a throw-away `nats-server` for tests (free loopback port, temp
 * JetStream store).
 * @packageDocumentation
 */
export { freePort, natsServerBinary, startNatsServer, type TestNatsServer, type TestNatsServerOptions } from './nats-server.js';
