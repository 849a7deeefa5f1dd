/**
 * The learner's rollout runner over NATS: each step it publishes the current policy version to the
 * Object Store and the step's jobs to the work queue (with `maxPolicyLag` k, the jobs of the next
 * k steps too), then collects one result per job (deduplicated by job id). A result sampled by a
 * version outside [step − k, step] is dropped, counted and its job published again.
 */
import { randomBytes } from 'node:crypto';
import { jetstream, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { ObjectStore } from '@nats-io/obj';
import { encodeWeights, type RolloutJob, type RolloutResult, type RolloutRunner, type RolloutRunnerContext, type RolloutRunnerFactory } from '@agon/trainer';
import { connectNats, redactUrl, type NatsCredentials } from './connect.js';
import { openResults, type ResultInbox } from './results.js';
import { withRetries } from './retry.js';
import { configObject, ensureLayout, JOBS_STREAM, jobsSubject, resultsSubject, versionObject, type LayoutOptions } from './streams.js';
import { encodeMessage, type JobMessage } from './wire.js';

/**
 * Options of {@link natsRollouts}.
 *
 * @example
 * ```ts
 * const opts: NatsRolloutOptions = { credentials: credentialsFromEnv() };
 * ```
 */
export interface NatsRolloutOptions extends LayoutOptions {
  /** Default: the config's `rollouts.server`. */
  server?: string;
  credentials?: NatsCredentials;
}

/** The run folder file that keeps the run id across resumes. */
const RUN_FILE = 'rollouts-run.json';

/**
 * A rollout runner factory for `train()` that sends every job to `agon worker`s over NATS.
 *
 * @example
 * ```ts
 * import { train } from '@agon/trainer';
 * import { natsRollouts } from '@agon/distributed';
 * await train({ steps: 20, rollouts: { server: 'nats://10.0.0.1:4222' } }, { out: 'runs/a', rollouts: natsRollouts() });
 * ```
 */
export function natsRollouts(opts: NatsRolloutOptions = {}): RolloutRunnerFactory {
  return async (ctx) => {
    const server = opts.server ?? ctx.config.rollouts.server;
    if (!server) throw new Error('natsRollouts: no server (set rollouts.server in the config, or pass { server })');
    const nc = await connectNats(server, opts.credentials, { name: 'agon learner' });
    try {
      const { jsm, store } = await ensureLayout(nc, opts);
      const run = await runId(ctx);
      await store.putBlob({ name: configObject(run) }, encodeMessage(ctx.config));
      const js = jetstream(nc);
      const inbox = await openResults(js, run);
      ctx.log(`rollouts: run ${run} on ${redactUrl(server)} (jobs on ${jobsSubject(run)}, max policy lag ${ctx.config.rollouts.maxPolicyLag})`);
      return new NatsRunner(ctx, { server: redactUrl(server), run, js, jsm, store, inbox, close: () => nc.close() });
    } catch (e) {
      await nc.close().catch(() => undefined);
      throw e;
    }
  };
}

/** The run id: new for a fresh run, the saved one when resuming (its results are still on the stream). */
async function runId(ctx: RolloutRunnerContext): Promise<string> {
  if (ctx.resume) {
    const saved = await ctx.io.read(RUN_FILE);
    if (saved) {
      const id = (JSON.parse(new TextDecoder().decode(saved)) as { run?: unknown }).run;
      if (typeof id === 'string' && /^[0-9a-f]{16}$/.test(id)) return id;
    }
  }
  const id = randomBytes(8).toString('hex');
  await ctx.io.writeAtomic(RUN_FILE, `${JSON.stringify({ run: id })}\n`);
  return id;
}

interface Wiring {
  server: string;
  run: string;
  js: JetStreamClient;
  jsm: JetStreamManager;
  store: ObjectStore;
  inbox: ResultInbox;
  close(): Promise<void>;
}

class NatsRunner implements RolloutRunner {
  /** Job id → version it was last published with (jobs not yet done). */
  private readonly published = new Map<string, number>();
  /** Every job id this learner published: a late result of another is history from before a resume. */
  private readonly sent = new Set<string>();
  private readonly versions = new Set<number>();
  private lastStep = -1;
  /** Job messages published by this runner: part of each message id, so a job published again is not deduplicated away. */
  private publishes = 0;

  constructor(
    private readonly ctx: RolloutRunnerContext,
    private readonly w: Wiring,
  ) {}

  async step(step: number): Promise<{ results: RolloutResult[]; metrics: Record<string, number> }> {
    const lag = this.ctx.config.rollouts.maxPolicyLag;
    await this.publishVersion(step, lag);
    for (let ahead = 0; ahead <= lag && step + ahead < this.ctx.config.steps; ahead++) {
      for (const job of this.ctx.jobsFor(step + ahead)) if (!this.published.has(job.id)) await this.publishJob(job, step);
    }
    const jobs = this.ctx.jobsFor(step);
    const firstIteration = jobs[0].iteration;
    let stale = 0;
    const deadline = performance.now() + this.ctx.config.rollouts.timeoutSeconds * 1000;
    for (;;) {
      // Results of earlier steps' jobs are of no use any more: late ones of this learner's jobs
      // are counted; those from before a resume are history.
      for (const id of this.w.inbox.ids()) {
        if (Number(id.split('.')[0]) < firstIteration) {
          this.w.inbox.delete(id);
          if (this.sent.has(id)) stale++;
        }
      }
      const missing: RolloutJob[] = [];
      for (const job of jobs) {
        const r = this.w.inbox.get(job.id);
        if (r?.error !== undefined) throw new Error(`rollouts: worker ${r.worker} failed job ${job.id} of step ${step + 1}: ${r.error}`);
        if (r && (r.version < step - lag || r.version > step)) {
          this.w.inbox.delete(job.id);
          stale++;
          await this.publishJob(job, step);
        }
        if (!this.w.inbox.get(job.id)) missing.push(job);
      }
      if (missing.length === 0) break;
      if (this.ctx.signal?.aborted) throw new Error(`rollouts: stopped while waiting for step ${step + 1}'s results`);
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new Error(
          `rollouts: step ${step + 1}: no result for ${missing.length} of ${jobs.length} jobs (${missing.map((j) => j.id).join(', ')}) after ${this.ctx.config.rollouts.timeoutSeconds} s from ${this.w.server}: is an agon worker running? (agon worker --server ${this.w.server})`,
        );
      }
      await this.w.inbox.changed(Math.min(left, 250));
    }
    const results: RolloutResult[] = jobs.map((job) => {
      const r = this.w.inbox.get(job.id);
      if (!r?.part) throw new Error(`rollouts: job ${job.id}: result vanished`); // unreachable: checked above
      this.w.inbox.delete(job.id);
      this.published.delete(job.id);
      return { job, part: r.part, version: r.version };
    });
    this.lastStep = step;
    const duplicates = this.w.inbox.takeDuplicates();
    const metrics: Record<string, number> =
      lag > 0
        ? { 'rollouts/lag': results.reduce((a, r) => a + step - r.version, 0) / results.length, 'rollouts/stale': stale, 'rollouts/duplicates': duplicates }
        : { ...(stale ? { 'rollouts/stale': stale } : {}), ...(duplicates ? { 'rollouts/duplicates': duplicates } : {}) };
    return { results, metrics };
  }

  async close(): Promise<void> {
    try {
      await this.w.inbox.close();
      // Jobs published ahead that no step will read.
      await this.w.jsm.streams.purge(JOBS_STREAM, { filter: jobsSubject(this.w.run) }).catch(() => undefined);
      if (this.lastStep === this.ctx.config.steps - 1) {
        // The run is complete: nothing will resume it, so its results and weights go.
        await this.w.jsm.streams.purge('AGON_RESULTS', { filter: resultsSubject(this.w.run) }).catch(() => undefined);
        for (const v of this.versions) await this.w.store.delete(versionObject(this.w.run, v)).catch(() => undefined);
        await this.w.store.delete(configObject(this.w.run)).catch(() => undefined);
      }
    } finally {
      await this.w.close().catch(() => undefined);
    }
  }

  /** Publishes the weights of `version` (the current ones) and deletes versions no job may need. */
  private async publishVersion(version: number, lag: number): Promise<void> {
    if (!this.versions.has(version)) {
      const bytes = await encodeWeights(this.ctx.model.trainableVariables(), 'agon-policy');
      await withRetries(`publishing policy version ${version}`, () => this.w.store.putBlob({ name: versionObject(this.w.run, version) }, bytes));
      if (this.versions.size === 0) this.ctx.log(`rollouts: each policy version is ${bytes.length} bytes (the trainable variables: LoRA adapters, or every weight)`);
      this.versions.add(version);
    }
    for (const v of [...this.versions]) {
      if (v < version - lag) {
        await this.w.store.delete(versionObject(this.w.run, v)).catch(() => undefined);
        this.versions.delete(v);
      }
    }
  }

  private async publishJob(job: RolloutJob, version: number): Promise<void> {
    const message: JobMessage = { run: this.w.run, job, version };
    const msgID = `${this.w.run}.${job.id}.v${version}.${nonce}.${++this.publishes}`;
    await withRetries(`publishing job ${job.id}`, () => this.w.js.publish(jobsSubject(this.w.run), encodeMessage(message), { msgID }));
    this.published.set(job.id, version);
    this.sent.add(job.id);
  }
}

/** Per learner process: a resumed learner publishes jobs again rather than have them deduplicated away. */
const nonce = randomBytes(4).toString('hex');
