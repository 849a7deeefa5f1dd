/** Who speaks a chat turn. `system` sets behaviour, `user` asks, `assistant` answers. */
export type ChatRole = 'system' | 'user' | 'assistant';

/**
 * One turn of a conversation, in the shape Hugging Face chat templates expect.
 *
 * @example
 * ```ts
 * const turn: ChatMessage = { role: 'user', content: 'What is 12 + 30?' };
 * ```
 */
export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/**
 * Turns a conversation into the exact prompt text a model was trained on (its chat template).
 *
 * @example
 * ```ts
 * const plain: ChatFormat = {
 *   render: (msgs, { addGenerationPrompt }) =>
 *     msgs.map((m) => `${m.role}: ${m.content}\n`).join('') + (addGenerationPrompt ? 'assistant: ' : ''),
 * };
 * plain.render([{ role: 'user', content: 'hi' }], { addGenerationPrompt: true });
 * ```
 */
export interface ChatFormat {
  /** Render `messages`; with `addGenerationPrompt` the text ends where the assistant's reply starts. */
  render(messages: readonly ChatMessage[], opts: { addGenerationPrompt: boolean }): string;
}
