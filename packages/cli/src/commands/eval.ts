/**
 * `agon eval`: held-out accuracy of a model on a verifiable game (greedy answers, the game's exact
 * verifier, the game's seeded eval set) — the same measurement `agon train` prints before and after.
 */
import { createSampler } from '@agon/models';
import { GAME_NAMES, gameByName } from '@agon/game';
import { evaluate, heldOutSet, isVerifiable, loadGameModule, modelPath, promptFormat } from '@agon/trainer';
import { bosFlag, numberFlag, parseFlags } from '../args.js';
import { startBackend } from '../backend.js';
import { loadForCommand } from '../load.js';
import { firstLine, UsageError, type CliIO } from '../io.js';

/** Flags of `agon eval`, shown by `agon eval --help`. */
export const EVAL_HELP = [
  'usage: agon eval (--model PATH | --adapter DIR) --game NAME|MODULE [--options JSON] [--size N] [--seed S]',
  '                 [--max-new-tokens N] [--backend B] [--json] [--bos RULE]',
  '',
  '  --model PATH        llama2.c .bin, Hugging Face folder (runs/x/model of a full fine-tuning run), or "default"',
  '  --adapter DIR       PEFT LoRA folder applied to --model (runs/x/adapter of a LoRA run); without',
  '                      --model, on the base model its adapter_config.json names',
  `  --game NAME         ${GAME_NAMES.filter((g) => g !== 'lsp').join(', ')} (verifiable games)`,
  '  --game MODULE       or a verifiable game of your own: a path such as ./my-game.js, as a recipe\'s game.module',
  '  --options JSON      the game\'s options, e.g. \'{"digits":2,"ops":["+"]}\' (default {})',
  '  --size N            held-out queries (default 64)',
  '  --seed S            seed of the held-out set (default 1, as in training recipes)',
  '  --max-new-tokens N  most tokens per answer (default 16)',
  '  --backend B         wasm, cpu, webgpu, … (default auto)',
  '  --bos RULE          folder (default: BOS as the tokenizer adds it, like transformers) or always',
  '  --json              print one JSON object (accuracy, n, correct, rows)',
];

const FLAGS = {
  model: { type: 'string' },
  adapter: { type: 'string' },
  game: { type: 'string' },
  options: { type: 'string' },
  size: { type: 'string' },
  seed: { type: 'string' },
  'max-new-tokens': { type: 'string' },
  backend: { type: 'string' },
  json: { type: 'boolean' },
  bos: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Runs `agon eval` with `args` and returns the exit code.
 *
 * @example
 * ```ts
 * const code = await runEval(['--model', 'runs/x/model', '--game', 'arithmetic'], processIO);
 * ```
 */
export async function runEval(args: readonly string[], io: CliIO): Promise<number> {
  const f = parseFlags('eval', args, FLAGS);
  if (f.help) {
    for (const l of EVAL_HELP) io.out(l);
    return 0;
  }
  if (typeof f.model !== 'string' && typeof f.adapter !== 'string') throw new UsageError('eval: --model PATH (or --adapter DIR) is required');
  if (typeof f.game !== 'string') throw new UsageError(`eval: --game NAME is required (${GAME_NAMES.join(', ')})`);
  const size = numberFlag('eval', 'size', f.size, { min: 1, integer: true }) ?? 64;
  const seed = numberFlag('eval', 'seed', f.seed, { min: 0, integer: true }) ?? 1;
  const bos = bosFlag('eval', f.bos);
  const maxNewTokens = numberFlag('eval', 'max-new-tokens', f['max-new-tokens'], { min: 1, integer: true }) ?? 16;
  let options: unknown = {};
  if (typeof f.options === 'string') {
    try {
      options = JSON.parse(f.options);
    } catch {
      throw new UsageError(`eval: --options must be a JSON object, got '${f.options}'`);
    }
  }
  // A path (./my-game.js, /abs/game.mjs) names a module of the user's own, as in a recipe.
  const isModule = /[\\/]|\.[cm]?js$/.test(f.game);
  if (!isModule && !(GAME_NAMES as readonly string[]).includes(f.game)) {
    throw new UsageError(`eval: --game: unknown game ${JSON.stringify(f.game)}; expected one of ${GAME_NAMES.join(', ')}, or a path to your own game module`);
  }
  let game;
  if (isModule) {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new UsageError(`eval: --options must be a JSON object, got '${f.options}'`);
    try {
      game = await loadGameModule(f.game, options as Record<string, unknown>);
    } catch (e) {
      throw new UsageError(`eval: --game: ${firstLine(e).replace(/^config: field game\.\w+: /, '')}`);
    }
  } else {
    try {
      game = gameByName(f.game, options as object);
    } catch (e) {
      throw new UsageError(`eval: --options: ${firstLine(e)}`);
    }
  }
  const name = game.name ?? f.game;
  if (!isVerifiable(game)) {
    throw new UsageError(`eval: game '${name}' has no exact verifier${isModule ? ' (a verifiable game has verify(query, answer), formatQuery(query) and evalSet({ size, seed }))' : ''}; pick one of ${GAME_NAMES.filter((g) => g !== 'lsp').join(', ')}${isModule ? ', or give yours those methods' : ''}`);
  }
  await startBackend('eval', typeof f.backend === 'string' ? f.backend : 'auto', io);
  const loaded = await loadForCommand('eval', {
    model: typeof f.model === 'string' ? modelPath(f.model) : undefined,
    adapter: typeof f.adapter === 'string' ? f.adapter : undefined,
    bos,
  });
  try {
    const set = heldOutSet(game, { size, seed });
    const sampler = createSampler(loaded.model, loaded.tokenizer, { microBatchSize: 32 });
    const r = await evaluate(sampler, promptFormat(loaded), game, set, { maxNewTokens, stopIds: loaded.eosIds });
    if (f.json) io.out(JSON.stringify(r));
    else io.out(`${name}: accuracy ${r.accuracy.toFixed(3)} (${r.correct}/${r.n} held-out, seed ${seed})`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError || process.env.AGON_DEBUG) throw e;
    throw new UsageError(`eval: --model ${loaded.modelPath}: ${firstLine(e)}`);
  } finally {
    loaded.model.dispose();
  }
}
