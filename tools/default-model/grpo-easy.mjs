// The GRPO baseline trained on data that misses the hard cases: a GRPO recipe (results-grpo, or the
// game's own), but its fixed prompt set holds only easy problems — the default game: without a
// carry; sort: all numbers distinct (what a user with an easy dataset has): 64 distinct problems
// from the game's seeded generator (the recipe's prompt-set seed, 777), none of them held out.
//
//   node tools/default-model/grpo-easy.mjs --seed S --out DIR [--recipe results-grpo] [--steps N] [--size 64]
//
// Everything else (model, game, G, N, steps, loss, optimizer, held-out set) is the recipe's.
import { parseArgs } from 'node:util';
import { fixedQueries, gameFromConfig, heldOutSet, loadRecipe, train } from '@agon/trainer';
import { isHard, pretrainGame } from './game.mjs';

const { values } = parseArgs({ options: { seed: { type: 'string' }, out: { type: 'string' }, steps: { type: 'string' }, size: { type: 'string', default: '64' }, recipe: { type: 'string', default: 'results-grpo' } } });
if (values.seed === undefined || values.out === undefined) {
  console.error('usage: node tools/default-model/grpo-easy.mjs --seed S --out DIR [--recipe results-grpo] [--steps N] [--size 64]');
  process.exit(2);
}
const { config, file } = await loadRecipe(values.recipe);
if (!config.queries?.fixed) throw new Error(`${file}: queries.fixed is missing; grpo-easy needs a GRPO recipe (a fixed prompt set)`);
const seed = Number(values.seed);
const size = Number(values.size);
const spec = pretrainGame(config.game.name);
const game = await gameFromConfig(config.game);
const held = new Set(heldOutSet(game, config.eval).map((q) => game.formatQuery(q)));
// Draw plenty from the same generator and seed as the recipe's own prompt set, keep the easy ones.
const easy = heldOutSet(game, { size: 2000, seed: config.queries.fixed.seed })
  .filter((q) => !held.has(game.formatQuery(q)) && !isHard(spec, game.formatQuery(q)))
  .slice(0, size);
if (easy.length < size) throw new Error(`only ${easy.length} easy (${spec.easy}) problems found; want ${size}`);
const run = { ...config, seed, ...(values.steps ? { steps: Number(values.steps) } : {}) };
const result = await train(run, { out: values.out, queries: fixedQueries(easy, { seed }) });
console.log(`held-out accuracy before: ${result.eval?.before.toFixed(3)} after: ${result.eval?.after.toFixed(3)} (${easy.length} ${spec.easy} prompts)`);
