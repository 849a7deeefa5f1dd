/**
 * Remote rewards inside a run: each retry is logged and counted in the step's metrics
 * (`reward/remoteRetries`), an all-null batch is a warning, and the run's stop signal cancels a
 * request in flight (a stopped run never waits for a hung server).
 */
import type { RewardFn } from '@agon/core';
import { remoteReward } from '@agon/objectives';

/**
 * What the remote rewards reported since the last {@link RemoteWatch.take}.
 *
 * @example
 * ```ts
 * const { retries, notes } = watch.take();
 * ```
 */
export interface RemoteWatch {
  /** Returns the retries and log lines gathered since the last call, and starts over. */
  take(): { retries: number; notes: string[] };
}

/**
 * Builds the remote rewards of a run, all reporting to one {@link RemoteWatch}.
 *
 * @example
 * ```ts
 * const remote: RemoteRewardFactory = remoteRewards(controller.signal);
 * ```
 */
export interface RemoteRewardFactory {
  watch: RemoteWatch;
  reward<Q>(opts: { url: string; timeoutMs?: number; retries?: number; backoffMs?: number }): RewardFn<Q>;
}

/**
 * A watch plus the reward factory that reports to it.
 *
 * @example
 * ```ts
 * const { watch, reward } = remoteRewards(signal);
 * const r = reward<string>({ url: 'http://127.0.0.1:8000/reward', retries: 5 });
 * ```
 */
export function remoteRewards(signal?: AbortSignal): RemoteRewardFactory {
  let retries = 0;
  let notes: string[] = [];
  return {
    watch: {
      take() {
        const out = { retries, notes };
        retries = 0;
        notes = [];
        return out;
      },
    },
    reward<Q>(opts: { url: string; timeoutMs?: number; retries?: number; backoffMs?: number }): RewardFn<Q> {
      const inner = remoteReward<Q>({
        url: opts.url,
        ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
        ...(opts.retries !== undefined ? { retries: opts.retries } : {}),
        ...(opts.backoffMs !== undefined ? { backoffMs: opts.backoffMs } : {}),
        ...(signal ? { signal } : {}),
        onRetry: (r) => {
          retries += 1;
          notes.push(`remote reward ${r.url}: attempt ${r.attempt} failed (${r.error}); retrying in ${r.waitMs} ms`);
        },
      });
      return async (batch) => {
        const values = await inner(batch);
        if (values.length > 0 && values.every((v) => v === null)) {
          notes.push(`warning: remote reward ${opts.url} gave null (not applicable) for all ${values.length} answers of this batch: no learning signal from it`);
        }
        return values;
      };
    },
  };
}
