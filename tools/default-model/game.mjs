// The default game and its held-out set, shared by make-data.mjs and the recipe: one place to change.
import { arithmeticGame } from '@agon/game';

/** Options of the default verifiable game (recipes/default.json must say the same). */
export const GAME_OPTIONS = { digits: 2, ops: ['+'] };
/** The held-out evaluation set (recipes/default.json must say the same); never seen in pretraining. */
export const HELD_OUT = { size: 200, seed: 1234 };

export const game = arithmeticGame(GAME_OPTIONS);
