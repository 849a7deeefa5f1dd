import type { ChatMessage, Game, Invalid } from '@agon/core';
import { extractQuery, type QueryRules } from './extract-query.js';
import { challengerMessages, solverMessages } from './lsp-prompt.js';
import { checkOptionNames } from './options.js';

/**
 * Options of the open-ended LSP game.
 *
 * @example
 * ```ts
 * const opts: LspGameOptions = { task: 'question answering', template: '{question}', maxChars: 400 };
 * ```
 */
export interface LspGameOptions extends Omit<QueryRules, 'template'> {
  /** The `{task}` slot. Default '' (the Challenger picks a task). */
  task?: string;
  /** The `{template}` slot. Default ''. */
  template?: string;
}

/**
 * The Language Self-Play game of the paper: the Challenger fills the challenger prompt, its query
 * is extracted by {@link extractQuery}, and the Solver sees the query as a plain user turn.
 *
 * @example
 * ```ts
 * const game = lspGame();
 * const q = game.parseQuery('[Start Generation]Explain tides to a child.[End Generation]');
 * if (!isInvalid(q)) game.solverPrompt(q);
 * ```
 */
export function lspGame(options: LspGameOptions = {}): Game<string> {
  checkOptionNames('lsp', options, ['task', 'template', 'maxChars', 'leakPatterns']);
  const task = options.task ?? '';
  const template = options.template ?? '';
  const rules: QueryRules = { ...options, template };
  return {
    name: 'lsp',
    challengerPrompt: (): ChatMessage[] => challengerMessages({ task, template }),
    parseQuery: (text: string): string | Invalid => extractQuery(text, rules),
    solverPrompt: (query: string): ChatMessage[] => solverMessages(query),
  };
}
