/**
 * `@agon/trainer/testing`: checks for code that plugs into the trainer — the contract a run IO
 * (Node file system, browser OPFS, memory, or your own) must meet.
 * @packageDocumentation
 */
export { runIOContract } from './run-io-contract.js';
