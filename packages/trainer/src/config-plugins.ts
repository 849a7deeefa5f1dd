/**
 * The config's game and rewards: a built-in by name (from `@agon/game` / `@agon/objectives`
 * registries) or a module of your own, each documented with its default and its effect.
 */
import { z } from 'zod';
import { GAME_NAMES } from '@agon/game';
import { REWARD_NAMES } from '@agon/objectives';

/** A finite number (zod's number also accepts ±Infinity). */
export const finite = () => z.number().refine(Number.isFinite, 'must be a finite number');
/** An integer ≥ 1. */
export const posInt = () => z.number().int().min(1);

/** The `game` field. */
export const gameSchema = z
  .object({
    /** Which built-in game: `arithmetic`, `sort`, `reverse` (verifiable, exact reward) or `lsp` (open-ended). Give `name` or `module`. */
    name: z.string().optional(),
    /**
     * A game of your own: a JavaScript module (a path, relative to the recipe file) whose
     * `createGame(options)` returns a core `Game` (or whose default export is one). A game that
     * also has `verify`, `formatQuery` and `evalSet` gets the exact verifier reward and held-out
     * evaluation. Give `name` or `module`.
     */
    module: z.string().min(1).optional(),
    /** Options of the game's factory (e.g. `{ "digits": 2, "ops": ["+"] }` for arithmetic). Default `{}`. */
    options: z.record(z.string(), z.unknown()).default({}),
    /**
     * Replaces the game's challenger prompt with one user turn of this text (same parsing, solver
     * prompt and verifier). For small models whose context cannot hold the long LSP prompt. Default: the game's own.
     */
    challengerPrompt: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((g, ctx) => {
    if ((g.name === undefined) === (g.module === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: `give exactly one of name (${GAME_NAMES.join(', ')}) or module (a path to your own game)` });
    } else if (g.name !== undefined && !(GAME_NAMES as readonly string[]).includes(g.name)) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: `unknown game ${JSON.stringify(g.name)}; expected one of ${GAME_NAMES.join(', ')}` });
    }
  });

const builtInRewardSchema = z.discriminatedUnion('type', [
  /** The game's exact verifier (verifiable games only). */
  z.object({ type: z.literal('verifier'), weight: finite().default(1) }).strict(),
  /** A reward served over HTTP (`remoteReward` of `@agon/objectives`). */
  z
    .object({
      type: z.literal('remote'),
      url: z.url(),
      /** Per-attempt time limit in ms. Default 30000. */
      timeoutMs: posInt().optional(),
      /** Extra attempts after a failed one (network error, timeout, 5xx, 429, malformed reply); each is logged and counted in `reward/remoteRetries`. Default 3. */
      retries: z.number().int().min(0).optional(),
      /** Wait before retry k is backoffMs·2^k (at most 10 s). Default 500. */
      backoffMs: z.number().int().min(0).optional(),
      weight: finite().default(1),
    })
    .strict(),
  /**
   * A reward model folder. A `*ForSequenceClassification` checkpoint (a reward-model head) scores with
   * its logit `label` (default 0); any other causal LM scores by the mean per-token log-prob it gives
   * the answer after the query (see `likelihoodScorer`), reading at most `maxTokens` (default 512).
   */
  z
    .object({ type: z.literal('model'), path: z.string().min(1), weight: finite().default(1), label: z.number().int().min(0).optional(), maxTokens: posInt().default(512) })
    .strict(),
]);

/**
 * A reward of your own: a JavaScript module (a path, relative to the recipe file) whose
 * `createReward(options)` returns a core `RewardFn` (or whose default export is one).
 */
const moduleRewardSchema = z.object({ module: z.string().min(1), weight: finite().default(1), options: z.record(z.string(), z.unknown()).default({}) }).strict();

/** One entry of the `rewards` field. */
export const rewardSchema = z.unknown().transform((r, ctx) => {
  const isModule = typeof r === 'object' && r !== null && 'module' in r;
  const type = typeof r === 'object' && r !== null ? (r as { type?: unknown }).type : undefined;
  if (!isModule && type !== undefined && !(REWARD_NAMES as readonly unknown[]).includes(type)) {
    ctx.addIssue({ code: 'custom', path: ['type'], message: `unknown reward ${JSON.stringify(type)}; expected one of ${REWARD_NAMES.join(', ')}, or { "module": "./your-reward.js" }` });
    return z.NEVER;
  }
  const parsed = (isModule ? moduleRewardSchema : builtInRewardSchema).safeParse(r);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, code: 'custom', path: issue.path } as never);
    return z.NEVER;
  }
  return isModule ? { type: 'module' as const, ...(parsed.data as z.output<typeof moduleRewardSchema>) } : (parsed.data as z.output<typeof builtInRewardSchema>);
});
