/** The reward piece: R(q, a) from the config's list of rewards, summed with their weights. */
import type { Game, RewardFn, Scorer } from '@agon/core';
import type { VerifiableGame } from '@agon/game';
import { loadModel, loadRewardModel } from '@agon/models';
import { rewardByName, weightedSum, type Verifier } from '@agon/objectives';
import type { TrainConfig } from '../config.js';
import { likelihoodScorer } from '../likelihood-scorer.js';
import { isSequenceClassifier } from '../model-path.js';
import { loadRewardModule } from '../plugins.js';
import { isVerifiable, queryText } from './game.js';
import type { Owned } from './owned.js';
import { remoteRewards, type RemoteRewardFactory } from '../remote-watch.js';

/** What makes a game verifiable (see `isVerifiable`). */
const VERIFIER_METHODS = ['verify', 'formatQuery', 'evalSet'] as const;

/**
 * Checks that the config's rewards fit the game: a game without a verifier needs a reward, and a
 * `verifier` reward needs a verifiable game.
 *
 * @example
 * ```ts
 * checkRewards(cfg, lspGame()); // throws: config: field rewards: game 'lsp' has no verifier; …
 * ```
 */
export function checkRewards<Q>(cfg: TrainConfig, game: Game<Q>): void {
  const verifiable = isVerifiable(game);
  if (!cfg.rewards && !verifiable) {
    const lacks = VERIFIER_METHODS.filter((m) => typeof (game as Partial<VerifiableGame<Q>>)[m] !== 'function');
    // A game with some of the verifier's methods was most likely meant to be verifiable: say what is missing.
    const why = lacks.length < VERIFIER_METHODS.length ? `: it lacks ${lacks.map((m) => `${m}()`).join(', ')} (a verifiable game has verify(query, answer), formatQuery(query) and evalSet({ size, seed })); add them, or` : ';';
    throw new Error(`config: field rewards: game '${game.name ?? '?'}' has no verifier${why} give at least one reward (remote, model or your own module)`);
  }
  if (cfg.rewards?.some((r) => r.type === 'verifier') && !verifiable) {
    throw new Error(`config: field rewards: a 'verifier' reward needs a verifiable game; '${game.name ?? '?'}' is not`);
  }
}

/**
 * R(q, a) from `cfg.rewards` (default: the game's verifier), checked against the game; reward
 * models it loads are registered in `owned`; remote rewards come from `remote` (which counts their
 * retries and carries the run's stop signal).
 *
 * @example
 * ```ts
 * const reward = await buildReward(cfg, game, owned);
 * ```
 */
export async function buildReward<Q>(cfg: TrainConfig, game: Game<Q>, owned: Owned, remote: RemoteRewardFactory = remoteRewards()): Promise<RewardFn<Q>> {
  checkRewards(cfg, game);
  const parts: { reward: RewardFn<Q>; weight: number }[] = [];
  const text = (q: Q) => queryText(game, q);
  for (const r of cfg.rewards ?? [{ type: 'verifier' as const, weight: 1 }]) {
    if (r.type === 'module') {
      parts.push({ reward: await loadRewardModule<Q>(r.module, r.options), weight: r.weight });
    } else if (r.type === 'remote') {
      parts.push({ reward: remote.reward<Q>(r), weight: r.weight });
    } else if (r.type === 'model') {
      parts.push({ reward: rewardByName<Q>('model', {}, { scorer: await loadScorer(r, cfg.microBatchSize, owned), queryText: text }), weight: r.weight });
    } else {
      const { type, weight, ...options } = r;
      parts.push({ reward: rewardByName<Q>(type, options, { game: game as Partial<Verifier<Q>>, queryText: text }), weight });
    }
  }
  return parts.length === 1 && parts[0].weight === 1 ? parts[0].reward : weightedSum(parts);
}

/** The scorer of a `model` reward: a sequence-classification head, or a causal LM's likelihood. */
async function loadScorer(r: { path: string; label?: number; maxTokens: number }, microBatchSize: number, owned: Owned): Promise<Scorer> {
  try {
    if (await isSequenceClassifier(r.path)) {
      const rm = await loadRewardModel(r.path, { microBatchSize, ...(r.label !== undefined ? { label: r.label } : {}) });
      owned.push(rm);
      return rm;
    }
    const rm = await loadModel(r.path);
    owned.push(rm.model);
    return likelihoodScorer(rm, { maxTokens: r.maxTokens });
  } catch (e) {
    throw new Error(`config: field rewards[].path: ${(e as Error).message.split('\n')[0]}`);
  }
}
