/**
 * The JetStream layout every learner and worker agrees on: a work-queue stream of rollout jobs
 * (one durable pull consumer shared by all workers, explicit acks, bounded redeliveries), a stream
 * of results (kept a day, deduplicated by message id), and an Object Store bucket holding each
 * run's config and policy versions. Subjects and object names carry the run id, so one server
 * serves many runs.
 */
import { AckPolicy, DeliverPolicy, jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { Objm, type ObjectStore } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/nats-core';

/** Stream of rollout jobs (work queue: a job is removed once a worker acks it). */
export const JOBS_STREAM = 'AGON_JOBS';
/** Stream of rollout results. */
export const RESULTS_STREAM = 'AGON_RESULTS';
/** The durable pull consumer every worker reads jobs through. */
export const WORKERS_CONSUMER = 'agon-workers';
/** Object Store bucket of run configs and policy versions. */
export const POLICY_BUCKET = 'agon-policy';

/** Subjects and object names of one run. */
export const jobsSubject = (run: string): string => `agon.jobs.${run}`;
export const resultsSubject = (run: string): string => `agon.results.${run}`;
export const configObject = (run: string): string => `${run}/config.json`;
export const versionObject = (run: string, version: number): string => `${run}/v${version}`;

/**
 * Timing of the workers' consumer: a job not acked within `ackWaitSeconds` (a worker that died;
 * a live worker extends it while it works) is delivered again, at most `maxDeliver` times.
 *
 * @example
 * ```ts
 * await ensureLayout(nc, { ackWaitSeconds: 30, maxDeliver: 5 });
 * ```
 */
export interface LayoutOptions {
  /** Default 30. */
  ackWaitSeconds?: number;
  /** Default 5. */
  maxDeliver?: number;
}

const NS = 1e9;

/**
 * Creates the streams, the workers' consumer and the bucket when missing (both the learner and
 * the workers call it, so either may start first); returns the manager and the bucket.
 *
 * @example
 * ```ts
 * const { jsm, store } = await ensureLayout(nc);
 * ```
 */
export async function ensureLayout(nc: NatsConnection, opts: LayoutOptions = {}): Promise<{ jsm: JetStreamManager; store: ObjectStore }> {
  const jsm = await jetstreamManager(nc);
  await ensureStream(jsm, { name: JOBS_STREAM, subjects: ['agon.jobs.>'], retention: RetentionPolicy.Workqueue, storage: StorageType.File });
  await ensureStream(jsm, {
    name: RESULTS_STREAM,
    subjects: ['agon.results.>'],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: 24 * 3600 * NS,
    duplicate_window: 120 * NS,
  });
  const consumer = {
    durable_name: WORKERS_CONSUMER,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: (opts.ackWaitSeconds ?? 30) * NS,
    max_deliver: opts.maxDeliver ?? 5,
    filter_subject: 'agon.jobs.>',
  };
  try {
    await jsm.consumers.info(JOBS_STREAM, WORKERS_CONSUMER);
  } catch {
    await jsm.consumers.add(JOBS_STREAM, consumer).catch(async (e) => {
      // Another process created it between our look and our add.
      await jsm.consumers.info(JOBS_STREAM, WORKERS_CONSUMER).catch(() => Promise.reject(e));
    });
  }
  const store = await new Objm(nc).create(POLICY_BUCKET, { storage: StorageType.File });
  return { jsm, store };
}

async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<void> {
  try {
    await jsm.streams.info(config.name);
  } catch {
    await jsm.streams.add(config).catch(async (e) => {
      await jsm.streams.info(config.name).catch(() => Promise.reject(e));
    });
  }
}
