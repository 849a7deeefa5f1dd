// A reward of our own: a right answer scores between 1 and 0.5, less the longer it is, and a wrong
// answer scores 0, so the Solver learns to write "83" rather than "8+5=13, 4+3+1=8, 83".
// agon finds it through the recipe's "rewards": [{ "module": "./short-answers.js" }] and calls
// createReward(options); the function it returns is a core RewardFn.
import { arithmeticGame } from '@agon/game';

export function createReward({ maxChars = 28 } = {}) {
  if (!Number.isInteger(maxChars) || maxChars < 1) {
    throw new Error(`short-answers: option maxChars must be a positive integer, got ${JSON.stringify(maxChars)}`);
  }
  const { verify } = arithmeticGame(); // the game's exact check of the last number in the answer
  return async (batch) =>
    batch.map(({ query, answer }) => {
      if (verify(query, answer) === 0) return 0;
      return 1 - (0.5 * Math.min(answer.trim().length, maxChars)) / maxChars;
    });
}
