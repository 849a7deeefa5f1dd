/**
 * Backend start-up shared by the commands: one line on stderr saying which backend runs and why,
 * and a one-line usage error when the requested one cannot start.
 */
import { initBackend, type BackendInfo } from '@agon/tensor';
import { firstLine, UsageError, type CliIO } from './io.js';

/**
 * Starts `requested` (`auto` or a name) and prints `agon <command>: backend NAME (why)` to
 * `io.err`, so `--json` output on stdout stays one object.
 *
 * @example
 * ```ts
 * await startBackend('generate', 'auto', processIO); // agon generate: backend wasm (auto: …)
 * ```
 */
export async function startBackend(command: string, requested: string, io: CliIO): Promise<BackendInfo> {
  let info: BackendInfo;
  try {
    info = await initBackend({ backend: requested });
  } catch (e) {
    throw new UsageError(`${command}: --backend: ${firstLine(e)}`);
  }
  io.err(`agon ${command}: backend ${info.backend} (${info.reason})`);
  return info;
}
