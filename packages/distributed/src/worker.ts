/**
 * The rollout worker's loop, on any open NATS connection (TCP in Node, WebSocket in a browser): pulls jobs from the work queue, loads the run's config once and the policy
 * version each job names (from the Object Store, cached by version), samples and scores the job
 * exactly as the learner would in-process, publishes the result tagged with job id and version,
 * and only then acks the job. A worker that dies mid-job leaves it un-acked: the server delivers
 * it again to another worker after the ack wait.
 */
import * as tf from '@tensorflow/tfjs-core';
import { jetstream, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { ObjectStore } from '@nats-io/obj';
import { parseSafetensors } from '@agon/models';
import { assignWeights, parseTrainConfig, resolveRollouts, sampleRollout, type TrainConfig, type TrainPieces } from '@agon/trainer';
import { configObject, ensureLayout, JOBS_STREAM, resultsSubject, versionObject, WORKERS_CONSUMER, type LayoutOptions } from './streams.js';
import { decodeMessage, encodeMessage, parseJobMessage, type JobMessage, type ResultMessage } from './wire.js';
import { sleep, withRetries } from './retry.js';

/**
 * Options of {@link serveJobs} (and of `runWorker`, which adds the server to connect to).
 *
 * @example
 * ```ts
 * const opts: ServeOptions = { name: 'tab-1', maxJobs: 10 };
 * ```
 */
export interface ServeOptions extends LayoutOptions {
  /** Name in logs and results. Default (`runWorker`): `<hostname>-<pid>`; else `worker`. */
  name?: string;
  /** Stops the worker after the job in flight. */
  signal?: AbortSignal;
  /** One line per event. Default: nothing. */
  log?: (line: string) => void;
  /** Pieces that replace what a run's config would build (e.g. your own reward), as `train()` takes them. */
  pieces?: (config: TrainConfig) => TrainPieces;
  /** Return after this many jobs (published results). Default: run until stopped. */
  maxJobs?: number;
}

/** What a worker did. */
export interface WorkerSummary {
  /** Jobs whose results were published. */
  jobs: number;
  /** Jobs dropped because their run or policy version was gone (stale). */
  dropped: number;
}

/** The run a worker is set up for: its config, pieces and the version its weights hold. */
interface RunSlot {
  run: string;
  built: Awaited<ReturnType<typeof resolveRollouts>>;
  version: number;
}

/**
 * Serves rollout jobs over `nc` until `signal` fires (or `maxJobs` are done); the caller owns `nc`.
 * In Node, `runWorker` connects and calls this; in a browser, connect with `wsconnect`.
 *
 * @example
 * ```ts
 * import { wsconnect } from '@nats-io/nats-core';
 * const nc = await wsconnect({ servers: 'ws://10.0.0.1:8080' });
 * await serveJobs(nc, { name: 'tab-1', pieces: () => ({ modelFiles }) });
 * await nc.close();
 * ```
 */
export async function serveJobs(nc: NatsConnection, opts: ServeOptions = {}): Promise<WorkerSummary> {
  const name = opts.name ?? 'worker';
  const log = opts.log ?? (() => undefined);
  let slot: RunSlot | null = null;
  const summary: WorkerSummary = { jobs: 0, dropped: 0 };
  try {
    const { jsm, store } = await ensureLayout(nc, opts);
    const js = jetstream(nc);
    const ackWaitMs = ((await jsm.consumers.info(JOBS_STREAM, WORKERS_CONSUMER)).config.ack_wait ?? 30e9) / 1e6;
    const consumer = await js.consumers.get(JOBS_STREAM, WORKERS_CONSUMER);
    const versions = new VersionCache(store, 3);
    log(`worker ${name}: waiting for jobs on ${JOBS_STREAM}`);
    while (!opts.signal?.aborted && (opts.maxJobs === undefined || summary.jobs < opts.maxJobs)) {
      let msg: JsMsg | null;
      try {
        msg = await consumer.next({ expires: 2000 });
      } catch (e) {
        log(`worker ${name}: waiting for the server (${(e as Error).message.split('\n')[0]})`);
        await sleep(500);
        continue;
      }
      if (!msg) continue;
      const job = msg;
      const heartbeat = setInterval(() => job.working(), Math.max(200, ackWaitMs / 3));
      try {
        const outcome = await serve(job);
        if (outcome === 'published') summary.jobs++;
        if (outcome === 'dropped') summary.dropped++;
      } finally {
        clearInterval(heartbeat);
      }
    }
    return summary;

    async function serve(msg: JsMsg): Promise<'published' | 'dropped' | 'failed'> {
      let job: JobMessage;
      try {
        job = parseJobMessage(decodeMessage(msg.data, `job message ${msg.seq}`), `job message ${msg.seq}`);
      } catch (e) {
        log(`worker ${name}: ${(e as Error).message}; dropped`);
        msg.term();
        return 'dropped';
      }
      const t0 = performance.now();
      let result: ResultMessage;
      try {
        const ready = await prepare(job);
        if (!ready) {
          log(`worker ${name}: job ${job.job.id} of run ${job.run} names a run or policy version ${job.version} that is gone (stale); dropped`);
          await msg.ackAck();
          return 'dropped';
        }
        msg.working(); // setting up (a model load) may have held the event loop
        const part = await sampleRollout(ready.built.rollout, job.job);
        result = { run: job.run, jobId: job.job.id, version: job.version, worker: name, part };
      } catch (e) {
        result = { run: job.run, jobId: job.job.id, version: job.version, worker: name, error: (e as Error).message.split('\n')[0] };
      }
      let bytes = encodeMessage(result);
      const max = nc.info?.max_payload ?? Infinity;
      if (bytes.length > max) {
        result = { ...result, part: undefined, error: `the result is ${bytes.length} bytes, above the server's max_payload ${max}: raise rollouts.jobsPerIteration (smaller jobs) or max_payload in the nats-server config` };
        bytes = encodeMessage(result);
      }
      if (!(await publish(js, job, bytes))) {
        log(`worker ${name}: could not publish the result of job ${job.job.id}; the job will be delivered again`);
        msg.nak(1000);
        return 'failed';
      }
      await msg.ackAck().catch(() => undefined); // a lost ack means a redelivery, deduplicated by job id
      log(`worker ${name}: job ${job.job.id} of run ${job.run} (policy v${job.version}) ${result.error ? `failed: ${result.error}` : 'done'} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      return 'published';
    }

    /** Sets the worker up for the job's run and version; null when either is gone. */
    async function prepare(job: JobMessage): Promise<RunSlot | null> {
      if (slot?.run !== job.run) {
        const text = await withRetries(`reading the config of run ${job.run}`, () => store.getBlob(configObject(job.run)));
        if (!text) return null;
        const cfg = parseTrainConfig(decodeMessage(text, `run ${job.run} config`), `run ${job.run} config`);
        slot?.built.dispose();
        slot = null;
        const built = await resolveRollouts(cfg, opts.pieces?.(cfg) ?? {});
        slot = { run: job.run, built, version: -1 };
        log(`worker ${name}: set up for run ${job.run} (model ${cfg.model}, backend ${tf.getBackend()})`);
      }
      if (slot.version !== job.version) {
        const bytes = await versions.get(job.run, job.version);
        if (!bytes) return null;
        const what = `policy version ${job.version} of run ${job.run}`;
        assignWeights(slot.built.model.trainableVariables(), parseSafetensors(bytes, what), what);
        slot.version = job.version;
      }
      return slot;
    }
  } finally {
    (slot as RunSlot | null)?.built.dispose();
  }
}

/** Publishes a result, retrying while the server is away (about 30 s); false when it never took it. */
async function publish(js: JetStreamClient, job: JobMessage, bytes: Uint8Array): Promise<boolean> {
  const msgID = `${job.run}.${job.job.id}.v${job.version}`;
  return withRetries(`publishing the result of job ${job.job.id}`, () => js.publish(resultsSubject(job.run), bytes, { msgID, timeout: 5000 })).then(
    () => true,
    () => false,
  );
}

/** The newest `size` policy versions fetched, by run and version. */
class VersionCache {
  private readonly entries = new Map<string, Uint8Array>();
  constructor(
    private readonly store: ObjectStore,
    private readonly size: number,
  ) {}
  async get(run: string, version: number): Promise<Uint8Array | null> {
    const key = versionObject(run, version);
    const hit = this.entries.get(key);
    if (hit) return hit;
    const bytes = await withRetries(`reading ${key}`, () => this.store.getBlob(key));
    if (!bytes) return null;
    this.entries.set(key, bytes);
    while (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value as string);
    return bytes;
  }
}

