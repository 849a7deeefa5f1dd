import type { ChatFormat, ChatMessage, RewardFn, Sampler, SamplingOptions, Tokenizer } from '@agon/core';
import { defaultQueryText } from './query-text.js';

/**
 * Options of {@link selfJudgeReward}. The prompt and parser come from `@agon/game`
 * (`judgeMessages`, `parseJudgeScore`), passed in so a fork can swap the judge.
 *
 * @example
 * ```ts
 * import { judgeMessages, parseJudgeScore } from '@agon/game';
 * const opts: SelfJudgeOptions = { sampler, chatFormat, tokenizer, prompt: judgeMessages, parse: parseJudgeScore };
 * ```
 */
export interface SelfJudgeOptions<Q = string> {
  /** Samples from the REFERENCE model (adapters off, or a frozen copy). */
  sampler: Sampler;
  /** The reference model's chat template. */
  chatFormat: ChatFormat;
  /** The reference model's tokenizer. */
  tokenizer: Tokenizer;
  /** The judge prompt for one (instruction, response). */
  prompt: (instruction: string, response: string) => ChatMessage[];
  /** Reads the judge's output; `score: null` means the verdict could not be read. */
  parse: (text: string) => { score: number | null; reason?: string };
  /**
   * Prepend the tokenizer's BOS id to each judge prompt. Default true; set false when the chat
   * template already writes BOS as text (e.g. Llama 3's `<|begin_of_text|>`), so it is not doubled.
   */
  bos?: boolean;
  /** How the judge samples. Default greedy (temperature 0), 256 new tokens: a judge should be deterministic. */
  sampling?: SamplingOptions;
  /** Query → instruction text. Default: strings as is, objects as JSON. */
  queryText?: (query: Q) => string;
  /** Called for every unreadable verdict (for logging); the reward is `null` there. */
  onUnreadable?: (index: number, reason: string, text: string) => void;
}

/**
 * The LSP self-reward R_Q(q, a) ∈ {0..7}: the reference model answers the judge prompt through the
 * sampler and its `<Score>` is parsed strictly. An unreadable verdict gives `null` ("not
 * applicable"), never a guessed score.
 *
 * @example
 * ```ts
 * const quality = selfJudgeReward({ sampler: refSampler, chatFormat, tokenizer, prompt: judgeMessages, parse: parseJudgeScore });
 * const rq = await quality(batch); // e.g. [6, null, 3]
 * ```
 */
export function selfJudgeReward<Q = string>(options: SelfJudgeOptions<Q>): RewardFn<Q> {
  const sampling: SamplingOptions = options.sampling ?? { maxNewTokens: 256, temperature: 0 };
  const text = options.queryText ?? defaultQueryText;
  const bos = options.bos ?? true;
  return async (batch) => {
    if (!batch.length) return [];
    const prompts = batch.map((x) =>
      options.tokenizer.encode(options.chatFormat.render(options.prompt(text(x.query), x.answer), { addGenerationPrompt: true }), { bos }),
    );
    const completions = await options.sampler.generate(prompts, sampling);
    if (completions.length !== batch.length) {
      throw new Error(`selfJudgeReward: the sampler returned ${completions.length} completions for ${batch.length} prompts`);
    }
    return completions.map((c, i) => {
      const verdict = options.parse(c.text);
      if (verdict.score === null) options.onUnreadable?.(i, verdict.reason ?? 'unreadable verdict', c.text);
      return verdict.score;
    });
  };
}
