/**
 * When a completion ends: a stop id (EOS among them), a stop string in the decoded text, or the
 * token limit. Kept apart from the decoding loop so the rules are tested on their own.
 */
import type { FinishReason } from '@agon/core';

/** What {@link checkStop} decided after one more token. */
export interface StopDecision {
  /** Why the completion ended, or null to go on. */
  finish: FinishReason | null;
  /** The completion's text so far, cut before a matched stop string. */
  text: string;
}

/**
 * Decides whether a completion is finished after appending its latest token.
 * The token that triggered a stop (an EOS id, or the token completing a stop string) stays in the
 * ids and log-probs — the model must learn to emit it — while the text is cut before a stop
 * string and never contains special tokens.
 *
 * @example
 * ```ts
 * checkStop({ lastId: 5, count: 3, text: 'ab\n\nc', stopIds: new Set([2]), stopStrings: ['\n\n'], maxNewTokens: 8 });
 * // { finish: 'stop', text: 'ab' }
 * ```
 */
export function checkStop(s: {
  lastId: number;
  count: number;
  text: string;
  stopIds: ReadonlySet<number>;
  stopStrings: readonly string[];
  maxNewTokens: number;
}): StopDecision {
  if (s.stopIds.has(s.lastId)) return { finish: 'stop', text: s.text };
  let cut = -1;
  for (const stop of s.stopStrings) {
    const at = s.text.indexOf(stop);
    if (at >= 0 && (cut < 0 || at < cut)) cut = at;
  }
  if (cut >= 0) return { finish: 'stop', text: s.text.slice(0, cut) };
  return { finish: s.count >= s.maxNewTokens ? 'length' : null, text: s.text };
}
