// The GRPO baseline trained on data that misses the hard cases: the results-grpo recipe, but its
// fixed prompt set holds only problems WITHOUT a carry (what a user with an easy dataset has):
// 64 distinct problems from the game's seeded generator (seed 777), none of them held out.
//
//   node tools/default-model/grpo-carry-free.mjs --seed S --out DIR [--steps N]
//
// Everything else (model, G, N, steps, loss, optimizer, held-out set) is recipes/results-grpo.json.
import { parseArgs } from 'node:util';
import { fixedQueries, gameFromConfig, heldOutSet, loadRecipe, train } from '@agon/trainer';
import { needsCarry } from './carry-split.mjs';

const { values } = parseArgs({ options: { seed: { type: 'string' }, out: { type: 'string' }, steps: { type: 'string' }, size: { type: 'string', default: '64' } } });
if (values.seed === undefined || values.out === undefined) {
  console.error('usage: node tools/default-model/grpo-carry-free.mjs --seed S --out DIR [--steps N] [--size 64]');
  process.exit(2);
}
const { config } = await loadRecipe('results-grpo');
const seed = Number(values.seed);
const size = Number(values.size);
const game = await gameFromConfig(config.game);
const held = new Set(heldOutSet(game, config.eval).map((q) => game.formatQuery(q)));
// Draw plenty from the same generator and seed as the recipe's own prompt set, keep the carry-free ones.
const easy = heldOutSet(game, { size: 2000, seed: config.queries.fixed.seed })
  .filter((q) => !held.has(game.formatQuery(q)) && !needsCarry(game.formatQuery(q)))
  .slice(0, size);
if (easy.length < size) throw new Error(`only ${easy.length} carry-free problems found; want ${size}`);
const run = { ...config, seed, ...(values.steps ? { steps: Number(values.steps) } : {}) };
const result = await train(run, { out: values.out, queries: fixedQueries(easy, { seed }) });
console.log(`held-out accuracy before: ${result.eval?.before.toFixed(3)} after: ${result.eval?.after.toFixed(3)} (${easy.length} carry-free prompts)`);
