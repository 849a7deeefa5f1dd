/**
 * The messages on the wire, as JSON: a job (run id, the trainer's job, the policy version to
 * sample with) and a result (the job's part, or the error that stopped it). Numbers round-trip
 * exactly (JSON keeps every double); NaN and ±Infinity, which a reward may return, are written as
 * `{"nonFinite":"NaN"}` so they survive.
 */
import type { RolloutJob, RolloutPart } from '@agon/trainer';

/**
 * A job message.
 *
 * @example
 * ```ts
 * const m: JobMessage = { run: 'a1b2c3', job, version: 4 };
 * ```
 */
export interface JobMessage {
  run: string;
  job: RolloutJob;
  /** Policy version to sample with (its weights are object `<run>/v<version>`). */
  version: number;
}

/**
 * A result message: the part, or why the worker could not make it.
 *
 * @example
 * ```ts
 * const m: ResultMessage = { run: 'a1b2c3', jobId: '4.0', version: 4, worker: 'host-1', part };
 * ```
 */
export interface ResultMessage {
  run: string;
  jobId: string;
  version: number;
  /** The worker's name (for error messages). */
  worker: string;
  part?: RolloutPart;
  /** The error that stopped the job (the learner fails the step with it). */
  error?: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * JSON bytes of a message, non-finite numbers kept.
 *
 * @example
 * ```ts
 * decodeMessage(encodeMessage({ r: [Number.NaN] }), 'test'); // { r: [NaN] }
 * ```
 */
export function encodeMessage(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { nonFinite: String(v) } : v)));
}

/**
 * Parses a message of {@link encodeMessage}; `what` names it in the error when it is not JSON.
 *
 * @example
 * ```ts
 * const job = decodeMessage(msg.data, `job message ${msg.seq}`) as JobMessage;
 * ```
 */
export function decodeMessage(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(decoder.decode(bytes), (_k, v: unknown) => {
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        const o = v as Record<string, unknown>;
        const keys = Object.keys(o);
        if (keys.length === 1 && keys[0] === 'nonFinite' && typeof o['nonFinite'] === 'string') return Number(o['nonFinite']);
      }
      return v;
    });
  } catch (e) {
    throw new Error(`${what}: not JSON (${(e as Error).message})`);
  }
}

/** A job message, checked field by field. */
export function parseJobMessage(value: unknown, what: string): JobMessage {
  const m = value as Partial<JobMessage> | null;
  const job = m?.job as Partial<RolloutJob> | undefined;
  const int = (x: unknown) => Number.isInteger(x) && (x as number) >= 0;
  if (!m || typeof m.run !== 'string' || !int(m.version) || !job || typeof job.id !== 'string') throw new Error(`${what}: expected { run, job, version } of an agon learner`);
  for (const k of ['iteration', 'shard', 'shards', 'start', 'end', 'seed', 'step'] as const) {
    if (!int(job[k])) throw new Error(`${what}: field job.${k}: expected an integer ≥ 0, got ${JSON.stringify(job[k])}`);
  }
  return m as JobMessage;
}

/** A result message, checked enough to route it. */
export function parseResultMessage(value: unknown, what: string): ResultMessage {
  const m = value as Partial<ResultMessage> | null;
  if (!m || typeof m.run !== 'string' || typeof m.jobId !== 'string' || !Number.isInteger(m.version) || (m.part === undefined && typeof m.error !== 'string')) {
    throw new Error(`${what}: expected { run, jobId, version, part | error } of an agon worker`);
  }
  const p = m.part;
  if (p && !(Array.isArray(p.challenger) && Array.isArray(p.answers) && Array.isArray(p.rewards))) throw new Error(`${what}: field part: expected { challenger, answers, rewards, selfRewards }`);
  return m as ResultMessage;
}
