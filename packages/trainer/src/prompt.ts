/**
 * How a conversation becomes the token ids a model is fed. Training (both roles), held-out
 * evaluation, the reference-likelihood self-reward and the likelihood reward model all render
 * prompts here, so a query reaches the model as the same tokens wherever it is asked.
 */
import type { ChatFormat, ChatMessage, Game, Tokenizer } from '@agon/core';

/**
 * A model's text interface: its tokenizer, how a conversation is written for it, and whether a
 * BOS id is prepended.
 *
 * @example
 * ```ts
 * const format: PromptFormat = promptFormat(await loadModel(STORIES_260K));
 * const ids = promptIds(format, [{ role: 'user', content: 'Once upon a time' }]);
 * ```
 */
export interface PromptFormat {
  tokenizer: Tokenizer;
  chat: ChatFormat;
  /** Prepend BOS to every prompt (false when the chat template writes it). */
  bos: boolean;
}

/**
 * The conversation of a model without a chat template: the turns' words, one per line, and a
 * newline where the answer starts (a base model's plain prompt).
 *
 * @example
 * ```ts
 * plainChat.render([{ role: 'user', content: '3 + 4 =' }], { addGenerationPrompt: true }); // '3 + 4 =\n'
 * ```
 */
export const plainChat: ChatFormat = {
  render: (messages, { addGenerationPrompt }) => messages.map((m) => m.content).join('\n') + (addGenerationPrompt ? '\n' : ''),
};

/**
 * The prompt format of a loaded model: its chat template (or {@link plainChat}) and BOS rule
 * ({@link promptBos}).
 *
 * @example
 * ```ts
 * const format = promptFormat(await loadModel(DEFAULT_MODEL));
 * ```
 */
export function promptFormat(loaded: { tokenizer: Tokenizer; chat?: ChatFormat }): PromptFormat {
  return { tokenizer: loaded.tokenizer, chat: loaded.chat ?? plainChat, bos: promptBos(loaded) };
}

/**
 * Whether prompts get a BOS id prepended: yes without a chat template, no when the template
 * already prints BOS as text (it would be doubled) or the vocabulary has none.
 *
 * @example
 * ```ts
 * const ids = loaded.tokenizer.encode(text, { bos: promptBos(loaded) });
 * ```
 */
export function promptBos(loaded: { tokenizer: Tokenizer; chat?: ChatFormat }): boolean {
  const { chat, tokenizer } = loaded;
  if (chat === undefined) return true;
  if (tokenizer.bosId === undefined) return false;
  const text = chat.render([{ role: 'user', content: 'x' }], { addGenerationPrompt: true });
  return tokenizer.encode(text, { bos: false })[0] !== tokenizer.bosId;
}

/**
 * The token ids of a conversation, ready for the model to continue (the assistant's turn opened).
 *
 * @throws Error when the prompt encodes to no tokens.
 * @example
 * ```ts
 * const ids = promptIds(format, game.challengerPrompt());
 * ```
 */
export function promptIds(format: PromptFormat, messages: readonly ChatMessage[]): number[] {
  const ids = format.tokenizer.encode(format.chat.render(messages, { addGenerationPrompt: true }), { bos: format.bos });
  if (ids.length === 0) throw new Error('a prompt encodes to no tokens: the tokenizer has no BOS id and the chat format wrote nothing');
  return ids;
}

/**
 * The Solver's prompt for `query`: the ids training samples answers from and evaluation asks.
 *
 * @example
 * ```ts
 * const ids = solverPromptIds(format, game, game.parseQuery('12 + 30') as ArithmeticQuery);
 * ```
 */
export function solverPromptIds<Q>(format: PromptFormat, game: Game<Q>, query: Q): number[] {
  return promptIds(format, game.solverPrompt(query));
}

/**
 * The Challenger's prompt: the ids training samples queries from.
 *
 * @example
 * ```ts
 * const ids = challengerPromptIds(format, game);
 * ```
 */
export function challengerPromptIds<Q>(format: PromptFormat, game: Game<Q>): number[] {
  return promptIds(format, game.challengerPrompt());
}
