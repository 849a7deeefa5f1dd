// Shared set-up of the trainer tests: the real stories260K model, a game whose prompts fit its
// 512-token context, and a run folder in the OS temp dir.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatMessage, Game } from '@agon/core';
import { arithmeticGame, lspGame, parseJudgeScore, type ArithmeticQuery } from '@agon/game';
import { generate, type LoadedModel } from '@agon/models';
import { selfJudgeReward } from '@agon/objectives';
import type { Reference } from '@agon/trainer';

/** Arithmetic with a one-line challenger prompt (the LSP prompt does not fit stories260K's 512 positions). */
export function shortArithmetic(): Game<ArithmeticQuery> {
  const game = arithmeticGame({ digits: 1, ops: ['+'] });
  return { ...game, challengerPrompt: (): ChatMessage[] => [{ role: 'user', content: 'Once upon a time, 3 + 4' }] };
}

/** The open-ended LSP game with a story opening as the challenger prompt: stories260K can play it. */
export function storyGame(): Game<string> {
  const game = lspGame({ maxChars: 200 });
  return { ...game, challengerPrompt: (): ChatMessage[] => [{ role: 'user', content: 'Once upon a time' }] };
}

/** A short judge prompt for stories260K, read by the real strict score parser. */
export const shortJudge = (instruction: string, response: string): ChatMessage[] => [
  { role: 'user', content: `Q: ${instruction} A: ${response} <Score>` },
];

/** The LSP self-reward by the reference model through the trainer's reference. */
export function selfReward<Q>(policy: LoadedModel, reference: Reference, queryText: (q: Q) => string) {
  return selfJudgeReward<Q>({
    sampler: { generate: (prompts, opts) => reference.run((m) => generate(m, policy.tokenizer, prompts, opts)) },
    chatFormat: { render: (msgs) => `${msgs.map((m) => m.content).join('\n')}\n` },
    tokenizer: policy.tokenizer,
    prompt: shortJudge,
    parse: parseJudgeScore,
    sampling: { maxNewTokens: 8, temperature: 0, stopIds: policy.eosIds },
    queryText,
  });
}

/** A fresh temp folder; remove it with the returned function. */
export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `agon-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A progress sink that keeps the lines for assertions. */
export function captureProgress(): { write(s: string): void; isTTY: boolean; text(): string } {
  const parts: string[] = [];
  return { write: (s) => void parts.push(s), isTTY: false, text: () => parts.join('') };
}

/** Small, fast settings for stories260K. */
export const SMALL = {
  queriesPerStep: 2,
  answersPerQuery: 2,
  microBatchSize: 4,
  sampling: { temperature: 1, challengerMaxNewTokens: 6, solverMaxNewTokens: 6 },
  optimizer: { lr: 1e-3 },
  eval: null,
  checkpointEvery: 0,
} as const;
