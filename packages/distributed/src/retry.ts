/**
 * Bounded retries of a server operation while the NATS server is away (restarting, or a dropped
 * connection the client is re-establishing): the client reconnects by itself, but a request in
 * flight when the connection went fails with a timeout and must be sent again.
 */

/** Waits `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `op`, and again after 0.25, 0.5, 1, 2, 4, 5, 5, … s when it throws, `attempts` times in all
 * (default 10: about 30 s); throws the last error, prefixed with `what`.
 *
 * @example
 * ```ts
 * await withRetries('publishing job 3.0', () => js.publish(subject, bytes));
 * ```
 */
export async function withRetries<T>(what: string, op: () => Promise<T>, attempts = 10): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await op();
    } catch (e) {
      if (attempt + 1 >= attempts) throw new Error(`${what}: ${(e as Error).message.split('\n')[0]} (${attempts} attempts)`, { cause: e });
      await sleep(Math.min(5000, 250 * 2 ** attempt));
    }
  }
}
