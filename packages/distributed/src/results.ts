/**
 * The learner's view of the results stream: an ordered consumer over the run's results subject,
 * read in the background into the newest result per job id. Duplicates (a job done twice after a
 * redelivery) are counted and dropped here.
 */
import { DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';
import { RESULTS_STREAM, resultsSubject } from './streams.js';
import { decodeMessage, parseResultMessage, type ResultMessage } from './wire.js';

/**
 * Results received so far, by job id.
 *
 * @example
 * ```ts
 * const inbox = await openResults(js, run);
 * await inbox.changed(1000); // resolves when a result arrives (or after 1 s)
 * inbox.get('0.0');
 * ```
 */
export interface ResultInbox {
  get(jobId: string): ResultMessage | undefined;
  /** Forgets a job's result (used, or stale); the same job and version arriving again counts as a duplicate. */
  delete(jobId: string): void;
  /** Job ids with a result. */
  ids(): string[];
  /** Resolves on the next new result, or after `ms`. */
  changed(ms: number): Promise<void>;
  /** Results that repeated one already held (same job and version); reset by reading. */
  takeDuplicates(): number;
  close(): Promise<void>;
}

/**
 * Starts reading the run's results (from the stream's start, so a restarted learner sees the
 * results published while it was away).
 *
 * @example
 * ```ts
 * const inbox = await openResults(jetstream(nc), 'a1b2c3');
 * ```
 */
export async function openResults(js: JetStreamClient, run: string): Promise<ResultInbox> {
  const held = new Map<string, ResultMessage>();
  const consumed = new Set<string>(); // `${jobId}@${version}` of results used or dropped
  let duplicates = 0;
  const waiter: { wake: (() => void) | null } = { wake: null };
  const consumer = await js.consumers.get(RESULTS_STREAM, { filter_subjects: resultsSubject(run), deliver_policy: DeliverPolicy.All });
  const messages = await consumer.consume();
  const reading = (async () => {
    for await (const m of messages) {
      let r: ResultMessage;
      try {
        r = parseResultMessage(decodeMessage(m.data, `result message ${m.seq}`), `result message ${m.seq}`);
      } catch {
        continue; // not ours to read; the stream only carries agon results
      }
      const had = held.get(r.jobId);
      if (consumed.has(`${r.jobId}@${r.version}`) || (had && had.version === r.version && had.error === undefined)) {
        duplicates++;
        continue;
      }
      if (!had || r.version >= had.version) held.set(r.jobId, r);
      waiter.wake?.();
    }
  })();
  return {
    get: (id) => held.get(id),
    delete(id) {
      const r = held.get(id);
      if (r) consumed.add(`${id}@${r.version}`);
      held.delete(id);
    },
    ids: () => [...held.keys()],
    changed: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          waiter.wake = null;
          resolve();
        }
        waiter.wake = done;
      }),
    takeDuplicates() {
      const d = duplicates;
      duplicates = 0;
      return d;
    },
    async close() {
      await messages.close();
      await reading.catch(() => undefined);
    },
  };
}
