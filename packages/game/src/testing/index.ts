/**
 * `@agon/game/testing`: test doubles for users' tests, no model needed.
 * @packageDocumentation
 */
export { scriptedGame } from './scripted-game.js';
export type { ScriptedProblem } from './scripted-game.js';
