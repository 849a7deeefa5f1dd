import type { Completion, Sampler, SamplingOptions, Tokenizer } from '@agon/core';

/**
 * A tokenizer where every UTF-16 code unit is its own id, plus BOS = 65536 and EOS = 65537: exact
 * round trips with no vocabulary file, for tests.
 *
 * @example
 * ```ts
 * const tok = charTokenizer();
 * tok.decode(tok.encode('hi', { bos: true })); // 'hi'
 * ```
 */
export function charTokenizer(): Tokenizer {
  const bosId = 65536;
  const eosId = 65537;
  return {
    bosId,
    eosId,
    vocabSize: 65538,
    encode: (text, opts) => [...(opts?.bos ? [bosId] : []), ...Array.from({ length: text.length }, (_c, i) => text.charCodeAt(i))],
    decode: (ids) => String.fromCharCode(...ids.filter((id) => id < 65536)),
  };
}

/**
 * A sampler whose replies are scripted: `reply(promptText, index)` decides the completion text for
 * each prompt (decoded with the given tokenizer). Every completion finishes with 'stop' unless it is
 * longer than `maxNewTokens`, where it is cut and finishes with 'length', as a real sampler would.
 * Log-probs are the scripted `logprob` per token (default 0). It records every call in `calls`.
 *
 * @example
 * ```ts
 * const sampler = scriptedSampler(charTokenizer(), (prompt) => (prompt.includes('2+2') ? '4' : '?'));
 * const [c] = await sampler.generate([tok.encode('2+2')], { maxNewTokens: 8 }); // c.text === '4'
 * ```
 */
export function scriptedSampler(
  tokenizer: Tokenizer,
  reply: (prompt: string, index: number) => string,
  options: { logprob?: number } = {},
): Sampler & { calls: { prompts: string[]; opts: SamplingOptions }[] } {
  const logprob = options.logprob ?? 0;
  const calls: { prompts: string[]; opts: SamplingOptions }[] = [];
  return {
    calls,
    async generate(prompts, opts): Promise<Completion[]> {
      const texts = prompts.map((p) => tokenizer.decode(p));
      calls.push({ prompts: texts, opts });
      return texts.map((prompt, i) => {
        const full = tokenizer.encode(reply(prompt, i));
        const ids = full.slice(0, opts.maxNewTokens);
        return {
          ids,
          text: tokenizer.decode(ids),
          finishReason: full.length > opts.maxNewTokens ? 'length' : 'stop',
          logprobs: ids.map(() => logprob),
          samplingLogprobs: ids.map(() => logprob),
        };
      });
    },
  };
}
