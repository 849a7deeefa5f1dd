import type { Interaction, RewardFn } from '@agon/core';
import { defaultQueryText } from './query-text.js';

/**
 * Options of {@link remoteReward}.
 *
 * @example
 * ```ts
 * const opts: RemoteRewardOptions = { url: 'http://127.0.0.1:8000/reward', timeoutMs: 10_000, retries: 3, concurrency: 2 };
 * ```
 */
export interface RemoteRewardOptions<Q = string> {
  /** Endpoint that receives `POST {"items":[{query, answer, queryIndex, answerIndex}]}` and answers `{"rewards":[number|null, …]}`. */
  url: string;
  /** Per-attempt time limit in ms. Default 30000. */
  timeoutMs?: number;
  /** Extra attempts after the first fails (network error, timeout, 5xx, 429, malformed reply). Default 3. */
  retries?: number;
  /** Wait before retry k (k = 0, 1, …) is backoffMs·2^k, capped at maxBackoffMs. Default 500. */
  backoffMs?: number;
  /** Longest wait between attempts. Default 10000. */
  maxBackoffMs?: number;
  /** Most requests in flight at once. Default 4. */
  concurrency?: number;
  /** Most interactions per request; a larger batch is split. Default 64. */
  batchSize?: number;
  /** Extra request headers (e.g. authorization). */
  headers?: Record<string, string>;
  /** Query → text. Default: strings as is, objects as JSON. */
  queryText?: (query: Q) => string;
  /** Injected for hermetic tests. Default the global fetch. */
  fetch?: typeof fetch;
  /** Injected for hermetic tests. Default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** Called before each retry with what failed, so a caller can count and log retries. */
  onRetry?: (retry: RemoteRetry) => void;
  /**
   * Aborting it cancels the requests in flight and the back-off waits at once (a stopped run does
   * not wait for a hung server); the reward then rejects with {@link RemoteRewardStopped}.
   */
  signal?: AbortSignal;
}

/**
 * One retry of {@link remoteReward}, as passed to `onRetry`.
 *
 * @example
 * ```ts
 * const onRetry = (r: RemoteRetry) => console.warn(`${r.url}: attempt ${r.attempt} failed (${r.error}); retrying in ${r.waitMs} ms`);
 * ```
 */
export interface RemoteRetry {
  url: string;
  /** The attempt that failed, from 1. */
  attempt: number;
  /** Why it failed, in words. */
  error: string;
  /** Back-off before the next attempt, in ms. */
  waitMs: number;
}

/**
 * Thrown by a {@link remoteReward} whose `signal` was aborted.
 *
 * @example
 * ```ts
 * try { await reward(batch); } catch (e) { if (e instanceof RemoteRewardStopped) return; throw e; }
 * ```
 */
export class RemoteRewardStopped extends Error {
  override readonly name = 'RemoteRewardStopped';
}

/** A failure that another attempt cannot fix (a 4xx other than 429). */
class PermanentError extends Error {}

function positiveInt(field: string, x: number, min: number): void {
  if (!Number.isInteger(x) || x < min) throw new Error(`remoteReward: option ${field} must be an integer ≥ ${min}, got ${x}`);
}

/** setTimeout as a promise that resolves early when `signal` aborts (the caller then checks it). */
function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
  });
}

/**
 * Node's fetch says only "fetch failed"; the reason (ECONNREFUSED 127.0.0.1:8000, ENOTFOUND host,
 * a TLS error) sits in `cause`, sometimes nested in an AggregateError.
 */
function describeFetchError(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur && depth < 4; depth++) {
    const c = cur as { message?: unknown; code?: unknown; errors?: unknown[]; cause?: unknown };
    const msg = typeof c.message === 'string' && c.message ? c.message : typeof c.code === 'string' ? c.code : '';
    if (msg && !parts.includes(msg)) parts.push(msg);
    cur = c.cause ?? (Array.isArray(c.errors) ? c.errors[0] : undefined);
  }
  return parts.join(': ') || String(e);
}

/** Reads `{"rewards": [...]}` of the right length, or throws saying what was wrong. */
function readRewards(body: string, expected: number): (number | null)[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new Error(`reply is not JSON: ${JSON.stringify(body.slice(0, 80))}`);
  }
  const rewards = (parsed as { rewards?: unknown } | null)?.rewards;
  if (!Array.isArray(rewards)) throw new Error('reply has no "rewards" array');
  if (rewards.length !== expected) throw new Error(`reply has ${rewards.length} rewards for ${expected} items`);
  const bad = rewards.findIndex((r) => r !== null && (typeof r !== 'number' || !Number.isFinite(r)));
  if (bad >= 0) throw new Error(`reply rewards[${bad}] is ${JSON.stringify(rewards[bad])}; expected a number or null`);
  return rewards as (number | null)[];
}

/**
 * A reward computed by an HTTP service: JSON in and out, a timeout per attempt, retries with
 * exponential back-off, at most `concurrency` requests in flight, and a clear error naming the URL
 * and the last failure once the retries are spent.
 *
 * @example
 * ```ts
 * const reward = remoteReward({ url: 'http://127.0.0.1:8000/reward', retries: 2 });
 * const r = await reward([{ query: '2+2', answer: '4', queryIndex: 0, answerIndex: 0 }]);
 * ```
 */
export function remoteReward<Q = string>(options: RemoteRewardOptions<Q>): RewardFn<Q> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const retries = options.retries ?? 3;
  const backoffMs = options.backoffMs ?? 500;
  const maxBackoffMs = options.maxBackoffMs ?? 10_000;
  const concurrency = options.concurrency ?? 4;
  const batchSize = options.batchSize ?? 64;
  const doFetch = options.fetch ?? globalThis.fetch;
  const signal = options.signal;
  const sleep = options.sleep ?? ((ms: number) => abortableSleep(ms, signal));
  const stopped = () => new RemoteRewardStopped(`remoteReward ${options.url}: stopped while waiting for the reward server`);
  const text = options.queryText ?? defaultQueryText;
  positiveInt('timeoutMs', timeoutMs, 1);
  positiveInt('retries', retries, 0);
  positiveInt('concurrency', concurrency, 1);
  positiveInt('batchSize', batchSize, 1);
  if (!/^https?:\/\//.test(options.url)) throw new Error(`remoteReward: option url must start with http:// or https://, got "${options.url}"`);

  const attempt = async (items: readonly Interaction<Q>[]): Promise<(number | null)[]> => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const onStop = () => controller.abort();
    signal?.addEventListener('abort', onStop);
    try {
      const body = JSON.stringify({
        items: items.map((x) => ({ query: text(x.query), answer: x.answer, queryIndex: x.queryIndex, answerIndex: x.answerIndex })),
      });
      let res: Response;
      try {
        res = await doFetch(options.url, { method: 'POST', headers: { 'content-type': 'application/json', ...options.headers }, body, signal: controller.signal });
      } catch (e) {
        throw new Error(controller.signal.aborted ? `no reply within ${timeoutMs} ms (timeoutMs)` : `request failed: ${describeFetchError(e)}`);
      }
      // The body is read under the same timer: a server that sends headers then stalls times out too.
      const reply = await res.text().catch((e: Error) => {
        throw new Error(controller.signal.aborted ? `reply body not complete within ${timeoutMs} ms (timeoutMs)` : `reading reply failed: ${e.message}`);
      });
      if (!res.ok) {
        const msg = `HTTP ${res.status}: ${reply.slice(0, 120)}`;
        if (res.status >= 400 && res.status < 500 && res.status !== 429) throw new PermanentError(msg);
        throw new Error(msg);
      }
      return readRewards(reply, items.length);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onStop);
    }
  };

  const withRetries = async (items: readonly Interaction<Q>[]): Promise<(number | null)[]> => {
    for (let k = 0; ; k++) {
      if (signal?.aborted) throw stopped();
      try {
        return await attempt(items);
      } catch (e) {
        if (signal?.aborted) throw stopped();
        const err = e as Error;
        if (err instanceof PermanentError || k >= retries) {
          throw new Error(`remoteReward ${options.url}: failed after ${k + 1} attempt${k ? 's' : ''}; last error: ${err.message}`);
        }
        const waitMs = Math.min(maxBackoffMs, backoffMs * 2 ** k);
        options.onRetry?.({ url: options.url, attempt: k + 1, error: err.message, waitMs });
        await sleep(waitMs);
      }
    }
  };

  return async (batch) => {
    const chunks: (readonly Interaction<Q>[])[] = [];
    for (let i = 0; i < batch.length; i += batchSize) chunks.push(batch.slice(i, i + batchSize));
    const results: (number | null)[][] = new Array(chunks.length);
    let next = 0;
    // A fixed pool of workers pulling chunk indices: never more than `concurrency` requests at once.
    const worker = async () => {
      while (next < chunks.length) {
        const c = next++;
        results[c] = await withRetries(chunks[c]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
    return results.flat();
  };
}
