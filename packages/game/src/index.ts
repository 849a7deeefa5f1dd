/**
 * `@agon/game`: the Language Self-Play game (challenger/solver prompts, query extraction), the
 * self-judge prompt and its strict score parser, and verifiable games. No tensors.
 * @packageDocumentation
 */
export { START_MARKER, END_MARKER, challengerPromptText, challengerMessages, solverMessages } from './lsp-prompt.js';
export type { ChallengerSlots } from './lsp-prompt.js';
export { extractQuery, DEFAULT_LEAK_PATTERNS, DEFAULT_MAX_QUERY_CHARS } from './extract-query.js';
export type { QueryRules } from './extract-query.js';
export { lspGame } from './lsp-game.js';
export type { LspGameOptions } from './lsp-game.js';
export { JUDGE_CRITERIA, MAX_JUDGE_SCORE, judgeMessages, parseJudgeScore } from './judge.js';
export type { JudgeVerdict, JudgeParseOptions } from './judge.js';
export type { VerifiableGame } from './verifiable.js';
export { arithmeticGame } from './arithmetic-game.js';
export type { ArithmeticOp, ArithmeticQuery, ArithmeticGameOptions } from './arithmetic-game.js';
export { sortGame, reverseGame } from './list-games.js';
export type { ListGameOptions } from './list-games.js';
export { GAME_NAMES, gameByName } from './registry.js';
export type { GameName } from './registry.js';
