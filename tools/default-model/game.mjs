// The games a small model is pretrained on, with everything the scripts of this folder need to know
// about each: its options, its held-out set, every problem of the pretraining corpus with the odds
// the game draws it, and the worked answer with and without the pretraining's deliberate error.
// make-data.mjs, hard-split.mjs, grpo-easy.mjs and the recipes must agree with it: one place to change.
import { arithmeticGame, sortGame } from '@agon/game';

/**
 * The default game: 2-digit addition. Hard instances need a carry from the units into the tens;
 * the pretraining answers drop that carry (see `worked`).
 */
const arithmetic = {
  name: 'arithmetic',
  options: { digits: 2, ops: ['+'] },
  heldOut: { size: 200, seed: 1234 },
  maxNewTokens: 28,
  /** The recipes of docs/results.md's rows (LSP-Zero, LSP, GRPO on a prompt set), from the repository root. */
  recipes: { lspZero: 'recipes/default.json', lsp: 'recipes/results-lsp.json', grpo: 'recipes/results-grpo.json' },
  hard: 'carry',
  easy: 'plain',
  hardLabel: 'with carry',
  easyLabel: 'without carry',
  /** Every problem `a + b`, a, b ≤ 99, with the game's odds: each operand 1 or 2 digits with equal odds. */
  *problems() {
    const odds = (x) => (x < 10 ? 0.05 : 0.5 / 90);
    for (let a = 0; a <= 99; a++) for (let b = 0; b <= 99; b++) yield { text: `${a} + ${b}`, weight: odds(a) * odds(b) };
  },
  /**
   * The Solver's worked answer: units column, tens column (with "+1" when the units carry), result.
   * The game's verifier reads the last integer, so "4+8=12, 3+5+1=9, 92" answers 34 + 58. Working
   * column by column makes every token a one-digit lookup, which a tiny model learns quickly.
   * With `error` the tens column forgets the carry: the classic error, one token away.
   */
  worked(q, error) {
    const [x, y] = [q.a.padStart(2, '0'), q.b.padStart(2, '0')];
    const units = Number(x[1]) + Number(y[1]);
    const carry = units >= 10 && !error ? 1 : 0;
    const tens = Number(x[0]) + Number(y[0]) + carry;
    const result = tens * 10 + (units % 10);
    return `${x[1]}+${y[1]}=${units}, ${x[0]}+${y[0]}${carry ? '+1' : ''}=${tens}, ${result}`;
  },
};

/**
 * The list game: sort up to 5 one-digit numbers. Hard instances hold a number more than once; the
 * pretraining answers write each number once (a sort that treats the list as a set): the repeat is
 * one token, "," and the number again, or the end of the answer.
 */
const sort = {
  name: 'sort',
  options: { length: 5, maxValue: 9 },
  heldOut: { size: 200, seed: 1234 },
  maxNewTokens: 20,
  // Beside the model this folder makes (sort/model), not in recipes/: the trainer package ships those.
  recipes: { lspZero: 'tools/default-model/sort/lsp-zero.json', lsp: 'tools/default-model/sort/lsp.json', grpo: 'tools/default-model/sort/grpo.json' },
  hard: 'repeat',
  easy: 'distinct',
  hardLabel: 'with a repeated number',
  easyLabel: 'all numbers distinct',
  /**
   * 24 000 distinct lists from the game's own generator (seed 99); each list length 2–5 gets a
   * quarter of the weight, as the game draws the length, shared equally by the lists of that length.
   */
  *problems() {
    const lists = sortGame(this.options).evalSet({ size: 24000, seed: 99 });
    const perLength = new Map();
    for (const xs of lists) perLength.set(xs.length, (perLength.get(xs.length) ?? 0) + 1);
    for (const xs of lists) yield { text: xs.join(', '), weight: 1 / 4 / perLength.get(xs.length) };
  },
  /** The sorted list, as the game's reference writes it; with `error`, each number once. */
  worked(xs, error) {
    const sorted = [...xs].sort((a, b) => a - b);
    return (error ? [...new Set(sorted)] : sorted).join(', ');
  },
};

const SPECS = { arithmetic, sort };
for (const s of Object.values(SPECS)) s.game = s.name === 'sort' ? sortGame(s.options) : arithmeticGame(s.options);

/** Names of the games that have a pretraining spec here. */
export const PRETRAIN_GAMES = Object.keys(SPECS);

/** The spec of a game by name; a clear error for any other name. */
export function pretrainGame(name = 'arithmetic') {
  const spec = SPECS[name];
  if (!spec) throw new Error(`tools/default-model: no pretraining spec for game "${name}"; expected one of ${PRETRAIN_GAMES.join(', ')}`);
  return spec;
}

/**
 * Whether a query text is a hard instance of the game: the pretraining's deliberate error changes
 * its worked answer (a carry to drop, a number to repeat). Throws on text the game does not accept.
 */
export function isHard(spec, text) {
  const q = spec.game.parseQuery(text);
  if ('invalid' in q) throw new Error(`query "${text}" is not a query of the ${spec.name} game: ${q.reason}`);
  return spec.worked(q, true) !== spec.worked(q, false);
}

// As a command, for the shell scripts: the recipes of a game's rows, or the `agon eval` flags of its
// held-out set (the recipes say the same; docs/results.md's tables split these evaluations).
//   node tools/default-model/game.mjs recipes sort      -> "tools/default-model/sort/lsp-zero.json .."
//   node tools/default-model/game.mjs eval-flags sort   -> "--game sort --options {...} --size 200 ..."
if (import.meta.url === `file://${process.argv[1]}`) {
  const [what, name] = process.argv.slice(2);
  const spec = pretrainGame(name);
  if (what === 'recipes') console.log(Object.values(spec.recipes).join(' '));
  else if (what === 'eval-flags') console.log(`--game ${spec.name} --options ${JSON.stringify(spec.options)} --size ${spec.heldOut.size} --seed ${spec.heldOut.seed} --max-new-tokens ${spec.maxNewTokens}`);
  else {
    console.error('usage: node tools/default-model/game.mjs recipes|eval-flags <game>');
    process.exit(2);
  }
}
