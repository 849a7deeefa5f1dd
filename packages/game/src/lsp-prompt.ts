import type { ChatMessage } from '@agon/core';

/**
 * Marker the Challenger writes before its filled template.
 *
 * @example
 * ```ts
 * extractQuery(`${START_MARKER}Why is the sky blue?${END_MARKER}`); // 'Why is the sky blue?'
 * ```
 */
export const START_MARKER = '[Start Generation]';
/**
 * Marker the Challenger writes after its filled template.
 *
 * @example
 * ```ts
 * 'Name a river.\n[End Generation]'.endsWith(END_MARKER); // true
 * ```
 */
export const END_MARKER = '[End Generation]';

/**
 * The two slots of the challenger prompt. Both empty means "choose a task yourself".
 *
 * @example
 * ```ts
 * const slots: ChallengerSlots = { task: 'question answering', template: 'Question: {question}' };
 * ```
 */
export interface ChallengerSlots {
  /** What kind of input to write, in words (e.g. "sort a list of at most 5 numbers"). */
  task: string;
  /** The shape of the input, with `{placeholders}` for the Challenger to fill. */
  template: string;
}

/**
 * The challenger prompt text for one task and template: LSP's ⟨cp⟩ (arXiv 2509.07414, Sec. 3),
 * written in our own words. The Challenger sees no history and no scores.
 *
 * @example
 * ```ts
 * const text = challengerPromptText({ task: 'multi-digit addition', template: '{a} + {b}' });
 * ```
 */
export function challengerPromptText({ task, template }: ChallengerSlots): string {
  // Slots are filled by plain concatenation, not a template engine, so braces the user writes in
  // `task` or `template` reach the model untouched.
  return [
    'Any language task can be seen as pairs of an input and an output: a question and its answer, an essay and its title, a list and the same list sorted.',
    'Write ONE input for the task named below. The input will be handed to another language agent, which must produce the output.',
    `Task: ${task}`,
    'The input must be a valid input for this task. It may be easy, intermediate, hard or noisy: a good input shows how well the agent really handles the task.',
    `Copy the template given between ${START_MARKER} and ${END_MARKER}, replace every {placeholder} in it with your content, and write the result between the same two markers.`,
    'Do not write the answer, any hint towards it, or anything else that gives the output away. Stop as soon as the template is filled.',
    'If both the task and the template are empty, use your best judgement: pick a task and write an input for it.',
    '',
    START_MARKER,
    template,
    END_MARKER,
  ].join('\n');
}

/**
 * The challenger prompt as chat messages (one user turn), ready for a chat template.
 *
 * @example
 * ```ts
 * const msgs = challengerMessages({ task: '', template: '' }); // open-ended LSP
 * ```
 */
export function challengerMessages(slots: ChallengerSlots): ChatMessage[] {
  return [{ role: 'user', content: challengerPromptText(slots) }];
}

/**
 * The Solver's prompt: the query alone, as a user turn, so the Solver answers through the model's
 * normal chat template (π_θ(a | q)); an optional instruction is appended on its own line.
 *
 * @example
 * ```ts
 * solverMessages('Name three rivers in France.'); // [{ role: 'user', content: '…' }]
 * ```
 */
export function solverMessages(query: string, instruction?: string): ChatMessage[] {
  const content = instruction ? `${query}\n${instruction}` : query;
  return [{ role: 'user', content }];
}
