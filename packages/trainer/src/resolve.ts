/**
 * From validated config (data) to the objects the loop runs: model, game, rewards, self-reward,
 * reference, objectives, query source, evaluator. Anything given in {@link TrainDeps} wins over
 * what the config would build, so a fork swaps one piece without touching the rest.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CausalLM, ChatFormat, Game, RewardFn, Sampler, Scorer } from '@agon/core';
import { arithmeticGame, judgeMessages, lspGame, parseJudgeScore, reverseGame, sortGame, type VerifiableGame } from '@agon/game';
import { attachLora, copyTokenizerFiles, generate, isHfExportable, loadModel, loadRewardModel, saveHfFolder, saveLoraAdapters, type LoadedModel, type LoraModel } from '@agon/models';
import { klK1, klK2, klK3, ppoClipLoss, reinforceLoss, remoteReward, scorerReward, selfJudgeReward, sequenceMean, sequenceSum, tokenMean, weightedSum } from '@agon/objectives';
import { initBackend } from '@agon/tensor';
import type { TrainConfig } from './config.js';
import { evaluate as evaluateHeldOut, heldOutSet } from './eval/index.js';
import type { RoleObjectives, GradientContext } from './gradients.js';
import { likelihoodScorer } from './likelihood-scorer.js';
import { referenceLikelihoodReward } from './reference-likelihood.js';
import { challengerQueries, fixedQueries, type QuerySource } from './queries.js';
import { referenceFor, type Reference } from './reference.js';
import type { RolloutContext } from './rollout.js';

/**
 * The embedded default model (a Hugging Face folder shipped in this package); `model: "default"`
 * in a config resolves to it.
 *
 * @example
 * ```ts
 * const { model } = await loadModel(DEFAULT_MODEL);
 * ```
 */
export const DEFAULT_MODEL: string = fileURLToPath(new URL('../assets/default-model', import.meta.url));

/**
 * Held-out evaluation of the current policy: accuracy in [0, 1] over `n` queries.
 *
 * @example
 * ```ts
 * const ev: Evaluator = async (model) => ({ accuracy: 0.5, n: 64 });
 * ```
 */
export type Evaluator = (model: CausalLM) => Promise<{ accuracy: number; n: number }>;

/**
 * Objects and IO that replace what the config would build. All optional.
 *
 * @example
 * ```ts
 * await train({ steps: 5 }, { out: 'runs/x', queries: fixedQueries(myQueries), evaluate: null });
 * ```
 */
export interface TrainDeps<Q = unknown> {
  /** Run folder. Default `runs/latest`. */
  out?: string;
  /** Continue the run in `out` from its newest checkpoint. */
  resume?: boolean;
  /** Name of the config's source, for error messages (e.g. the recipe file). */
  configSource?: string;
  /** The policy, already loaded (the backend must be initialised). Default: `loadModel(config.model)`. */
  policy?: LoadedModel;
  /** The game. Default: the config's `game`. */
  game?: Game<Q>;
  /** R(q, a). Default: the config's `rewards` (the verifier for verifiable games). */
  reward?: RewardFn<Q>;
  /** The LSP self-reward R_Q and its weight; `null` forces LSP-Zero. Default: the config's `selfReward`. */
  quality?: { fn: RewardFn<Q>; weight: number } | null;
  /** The reference model. Default: adapters off, or a frozen snapshot of the initial weights. */
  reference?: Reference;
  /** The losses. Default: REINFORCE (or PPO-clip) from the config's `loss`. */
  objectives?: RoleObjectives;
  /** Where queries come from. Default: the Challenger, or the config's `queries.fixed`. */
  queries?: QuerySource<Q>;
  /** Held-out evaluation; `null` turns it off. Default: the game's seeded eval set (verifiable games). */
  evaluate?: Evaluator | null;
  /** Stops the run after the current step (a checkpoint is written first). */
  signal?: AbortSignal;
  /** Seconds, monotonic. Default `performance.now() / 1000`. */
  clock?: () => number;
  /** Progress output. Default stderr (a bar on a TTY). */
  progress?: { write(text: string): void; isTTY: boolean };
}

/** Everything the loop needs, resolved. */
export interface ResolvedRun<Q> {
  model: CausalLM;
  game: Game<Q>;
  rollout: RolloutContext<Q>;
  gradients: GradientContext;
  evaluate: Evaluator | null;
  /** Writes the trained policy: a Hugging Face folder, or the PEFT adapter files with LoRA. */
  exportModel: ((dir: string) => Promise<void>) | null;
  dispose(): void;
}

/**
 * A built-in game from its config entry; the factory's own checks become errors naming the field.
 *
 * @example
 * ```ts
 * const game = gameFromConfig({ name: 'arithmetic', options: { digits: 2 } });
 * ```
 */
export function gameFromConfig(g: TrainConfig['game']): Game<unknown> {
  let game: Game<unknown>;
  try {
    const o = g.options as never;
    game = g.name === 'arithmetic' ? arithmeticGame(o) : g.name === 'sort' ? sortGame(o) : g.name === 'reverse' ? reverseGame(o) : lspGame(o);
  } catch (e) {
    throw new Error(`config: field game.options: ${(e as Error).message}`);
  }
  if (g.challengerPrompt) {
    const text = g.challengerPrompt;
    return { ...game, challengerPrompt: () => [{ role: 'user', content: text }] } as Game<unknown>;
  }
  return game;
}

/**
 * True when `game` has an exact verifier and a seeded eval set.
 *
 * @example
 * ```ts
 * isVerifiable(arithmeticGame()); // true
 * ```
 */
export function isVerifiable<Q>(game: Game<Q>): game is VerifiableGame<Q> {
  const g = game as Partial<VerifiableGame<Q>>;
  return typeof g.verify === 'function' && typeof g.evalSet === 'function' && typeof g.formatQuery === 'function';
}

/**
 * The GRPO baseline's prompt set: `size` distinct queries from the game's seeded generator, none of
 * them in the held-out eval set `heldOut` (drawn with extra and filtered, so the baseline never
 * trains on a test query).
 *
 * @example
 * ```ts
 * const set = fixedPromptSet(arithmeticGame({ digits: 2 }), { size: 64, seed: 777 }, { size: 64, seed: 1234 });
 * ```
 */
export function fixedPromptSet<Q>(game: VerifiableGame<Q>, fixed: { size: number; seed: number }, heldOut: { size: number; seed: number } | null): Q[] {
  const held = new Set(heldOut ? heldOutSet(game, heldOut).map((q) => game.formatQuery(q)) : []);
  const drawn = heldOutSet(game, { size: fixed.size + held.size, seed: fixed.seed }).filter((q) => !held.has(game.formatQuery(q)));
  return drawn.slice(0, fixed.size);
}

/** Renders a conversation for a model without a chat template: the user turns, one per line. */
const plainChat: ChatFormat = {
  render: (messages, { addGenerationPrompt }) => messages.map((m) => m.content).join('\n') + (addGenerationPrompt ? '\n' : ''),
};

/** Resolves `config.model` (`default` → the embedded model). */
export function modelPath(model: string): string {
  return model === 'default' ? DEFAULT_MODEL : model;
}

/** Builds the run's objects from `cfg`, preferring anything in `deps`. */
export async function resolveRun<Q>(cfg: TrainConfig, deps: TrainDeps<Q>): Promise<ResolvedRun<Q>> {
  const owned: { dispose(): void }[] = [];
  try {
    return await buildRun(cfg, deps, owned);
  } catch (e) {
    // A piece failed to load (e.g. the reward model): free what was already loaded.
    for (const o of owned.reverse()) o.dispose();
    throw e;
  }
}

async function buildRun<Q>(cfg: TrainConfig, deps: TrainDeps<Q>, owned: { dispose(): void }[]): Promise<ResolvedRun<Q>> {
  const game = (deps.game ?? gameFromConfig(cfg.game)) as Game<Q>;
  const verifiable = isVerifiable(game);
  if (!deps.reward && !cfg.rewards && !verifiable) {
    throw new Error(`config: field rewards: game '${game.name ?? '?'}' has no verifier; give at least one reward (remote or model)`);
  }
  if (cfg.rewards?.some((r) => r.type === 'verifier') && !verifiable) {
    throw new Error(`config: field rewards: a 'verifier' reward needs a verifiable game; '${game.name ?? '?'}' is not`);
  }
  let policy = deps.policy;
  if (!policy) {
    await initBackend({ backend: cfg.backend });
    const path = modelPath(cfg.model);
    try {
      policy = await loadModel(path);
    } catch (e) {
      throw new Error(`config: field model: ${(e as Error).message.split('\n')[0]}`);
    }
    owned.push(policy.model);
  }
  let model: CausalLM = policy.model;
  let lora: LoraModel | null = null;
  if (cfg.lora) {
    try {
      lora = attachLora(policy.model, { r: cfg.lora.r, alpha: cfg.lora.alpha ?? 2 * cfg.lora.r, targetModules: cfg.lora.targetModules, seed: cfg.lora.seed });
    } catch (e) {
      throw new Error(`config: field lora: ${(e as Error).message.split('\n')[0]}`);
    }
    model = lora;
    // The LoRA model owns its base from here on: dispose it instead of the base.
    const k = owned.indexOf(policy.model);
    if (k >= 0) owned[k] = lora;
    else owned.push({ dispose: () => lora?.detach() });
  }
  if (cfg.memory.recompute) {
    if (!model.setRecompute) throw new Error(`config: field memory.recompute: the ${model.config.architecture} model cannot recompute activations (Llama-family models can)`);
    try {
      model.setRecompute(true);
    } catch (e) {
      throw new Error(`config: field memory.recompute: ${(e as Error).message}`);
    }
  }
  const { tokenizer } = policy;
  const chat = policy.chat ?? plainChat;
  const bos = promptBos(policy);
  const stopIds = policy.eosIds;

  // Reward R: the config's list summed with weights.
  let reward = deps.reward;
  if (!reward) {
    const parts = [];
    for (const r of cfg.rewards ?? [{ type: 'verifier' as const, weight: 1 }]) {
      if (r.type === 'verifier') {
        const v = game as unknown as VerifiableGame<Q>;
        parts.push({ reward: (async (batch) => batch.map((x) => v.verify(x.query, x.answer))) as RewardFn<Q>, weight: r.weight });
      } else if (r.type === 'remote') {
        parts.push({ reward: remoteReward<Q>({ url: r.url, ...(r.timeoutMs ? { timeoutMs: r.timeoutMs } : {}) }), weight: r.weight });
      } else {
        let scorer: Scorer;
        try {
          if (await isSequenceClassifier(r.path)) {
            const rm = await loadRewardModel(r.path, { microBatchSize: cfg.microBatchSize, ...(r.label !== undefined ? { label: r.label } : {}) });
            owned.push(rm);
            scorer = rm;
          } else {
            const rm = await loadModel(r.path);
            owned.push(rm.model);
            scorer = likelihoodScorer(rm, { maxTokens: r.maxTokens });
          }
        } catch (e) {
          throw new Error(`config: field rewards[].path: ${(e as Error).message.split('\n')[0]}`);
        }
        parts.push({ reward: scorerReward<Q>(scorer, { queryText: (q) => queryText(game, q) }), weight: r.weight });
      }
    }
    reward = parts.length === 1 && parts[0].weight === 1 ? parts[0].reward : weightedSum(parts);
  }

  const needsReference = cfg.loss.beta > 0 || cfg.diagnostics.measureKl || (deps.quality === undefined && cfg.selfReward !== null);
  let reference: Reference | null = deps.reference ?? null;
  if (!reference && needsReference) {
    reference = referenceFor(model);
    owned.push(reference);
  }

  let quality = deps.quality;
  if (quality === undefined) {
    if (cfg.selfReward?.judge === 'likelihood') {
      if (!reference) throw new Error('internal: the self-reward needs a reference model');
      quality = { fn: referenceLikelihoodReward<Q>({ reference, tokenizer, chat, bos, game, microBatchSize: cfg.microBatchSize }), weight: cfg.selfReward.weight };
    } else if (cfg.selfReward) {
      const ref = reference;
      if (!ref) throw new Error('internal: the self-reward needs a reference model');
      const sampler: Sampler = { generate: (prompts, opts) => ref.run((m) => generate(m, tokenizer, prompts, { ...opts, microBatchSize: cfg.microBatchSize })) };
      const fn = selfJudgeReward<Q>({
        sampler,
        chatFormat: chat,
        tokenizer,
        prompt: judgeMessages,
        parse: parseJudgeScore,
        bos,
        sampling: { maxNewTokens: cfg.selfReward.maxNewTokens, temperature: 0, stopIds },
        queryText: (q) => queryText(game, q),
      });
      quality = { fn, weight: cfg.selfReward.weight };
    } else quality = null;
  }

  const kl = { k1: klK1, k2: klK2, k3: klK3 }[cfg.loss.kl];
  const aggregation = { sequenceSum, sequenceMean, tokenMean }[cfg.loss.aggregation];
  const makeLoss = () =>
    cfg.loss.ppoClip !== undefined ? ppoClipLoss({ beta: cfg.loss.beta, kl, aggregation, epsLow: cfg.loss.ppoClip, epsHigh: cfg.loss.ppoClip }) : reinforceLoss({ beta: cfg.loss.beta, kl, aggregation });
  const objectives: RoleObjectives = deps.objectives ?? { solver: makeLoss(), challenger: makeLoss(), alphaCh: cfg.loss.alphaCh, needsReference: cfg.loss.beta > 0 };
  if (objectives.needsReference && !reference) {
    reference = referenceFor(model);
    owned.push(reference);
  }

  let queries = deps.queries;
  if (!queries) {
    if (cfg.queries) {
      if (!verifiable) throw new Error(`config: field queries.fixed: needs a verifiable game (its evalSet draws the prompt set); '${game.name ?? '?'}' is not`);
      queries = fixedQueries(fixedPromptSet(game, cfg.queries.fixed, cfg.eval), { seed: cfg.seed });
    } else queries = challengerQueries();
  }

  let evaluate = deps.evaluate;
  if (evaluate === undefined) {
    evaluate = null;
    if (verifiable && cfg.eval) {
      const set = heldOutSet(game, { size: cfg.eval.size, seed: cfg.eval.seed });
      const maxNewTokens = cfg.eval.maxNewTokens ?? cfg.sampling.solverMaxNewTokens;
      evaluate = (m) => evaluateHeldOut(m, tokenizer, policy.chat, game, set, { maxNewTokens, microBatchSize: cfg.microBatchSize, bos, stopIds });
    }
  }

  const source = deps.policy ? null : modelPath(cfg.model);
  const exportModel = lora
    ? // base_model_name_or_path: the base as an absolute path, so `agon eval --adapter` finds it from anywhere.
      async (dir: string) => saveLoraAdapters(lora, dir, source ? { baseModelNameOrPath: resolvePath(source) } : {})
    : source && isHfExportable(model)
      ? async (dir: string) => {
          await saveHfFolder(model, dir);
          await copyTokenizerFiles(source, dir);
        }
      : null;

  return {
    model,
    game,
    rollout: {
      model,
      tokenizer,
      chat,
      bos,
      stopIds,
      game,
      queries,
      reward,
      quality,
      n: cfg.queriesPerStep,
      g: cfg.answersPerQuery,
      temperature: cfg.sampling.temperature,
      topP: cfg.sampling.topP,
      challengerMaxNewTokens: cfg.sampling.challengerMaxNewTokens,
      solverMaxNewTokens: cfg.sampling.solverMaxNewTokens,
      challengerStop: cfg.sampling.challengerStop,
      solverStop: cfg.sampling.solverStop,
      microBatchSize: cfg.microBatchSize,
      scaleByStd: cfg.loss.scaleByStd,
      invalidReward: cfg.loss.invalidReward,
      repeatPenalty: cfg.loss.repeatPenalty,
      queryText: (q) => queryText(game, q),
    },
    gradients: { model, reference, objectives, microBatchSize: cfg.microBatchSize, padId: tokenizer.eosId, measureKl: cfg.diagnostics.measureKl },
    evaluate,
    exportModel,
    dispose() {
      for (const o of owned.reverse()) o.dispose();
    },
  };
}

/** Whether `path` is a Hugging Face folder whose config names a `*ForSequenceClassification` architecture. */
async function isSequenceClassifier(path: string): Promise<boolean> {
  let config: { architectures?: unknown };
  try {
    config = JSON.parse(await readFile(join(path, 'config.json'), 'utf8')) as { architectures?: unknown };
  } catch {
    return false; // not a folder with a readable config: loadModel reports what is wrong
  }
  return Array.isArray(config.architectures) && config.architectures.some((a) => typeof a === 'string' && a.endsWith('ForSequenceClassification'));
}

function queryText<Q>(game: Game<Q>, q: Q): string {
  if (typeof q === 'string') return q;
  return isVerifiable(game) ? game.formatQuery(q) : JSON.stringify(q);
}

/**
 * Whether prompts of `policy` get a BOS id prepended: yes without a chat template, no when the
 * template already prints BOS as text (it would be doubled) or the vocabulary has none.
 *
 * @example
 * ```ts
 * const ids = loaded.tokenizer.encode(text, { bos: promptBos(loaded) });
 * ```
 */
export function promptBos(policy: LoadedModel): boolean {
  if (policy.chat === undefined) return true;
  return policy.tokenizer.bosId !== undefined && !chatWritesBos(policy);
}

/** Whether the chat template prints the BOS token itself (then BOS ids must not be prepended too). */
function chatWritesBos(policy: LoadedModel): boolean {
  const { chat, tokenizer } = policy;
  if (!chat || tokenizer.bosId === undefined) return false;
  const text = chat.render([{ role: 'user', content: 'x' }], { addGenerationPrompt: true });
  const ids = tokenizer.encode(text, { bos: false });
  return ids[0] === tokenizer.bosId;
}

