/**
 * The messages between the page and the training worker. Everything is plain data (structured
 * clone): the page never touches tensors, the worker never touches the DOM.
 */
import type { SampleRow } from '@agon/core';

/** Which tfjs backend the user asked for. */
export type BackendChoice = 'webgpu' | 'webgl' | 'wasm';

/**
 * Where the policy comes from: the embedded default model (served beside the page), or files the
 * user picked (a Hugging Face folder, or a llama2.c `.bin` with its tokenizer), by path relative
 * to the folder picked.
 */
export type ModelChoice = { kind: 'default' } | { kind: 'files'; name: string; files: { path: string; file: Blob }[] };

/** Page → worker. */
export type ToWorker =
  | { type: 'start'; recipe: unknown; backend: BackendChoice; model: ModelChoice; resume: boolean }
  /** Stop after the step in flight; a checkpoint is written, so `start` with `resume` continues exactly. */
  | { type: 'stop' };

/** One training step as the page shows it. */
export interface StepReport {
  step: number;
  metrics: Record<string, number>;
  samples: SampleRow[];
  /** Seconds of this step in this worker (time since the previous step ended or the loop began). */
  seconds: number;
  /** Tokens generated this step (Challenger queries and Solver answers). */
  tokens: number;
}

/** Worker → page. */
export type FromWorker =
  | { type: 'backend'; backend: string; reason: string }
  | { type: 'log'; text: string }
  | { type: 'step'; report: StepReport }
  | { type: 'done'; stopped: boolean; steps: number; eval?: { before: number; after: number } }
  | { type: 'error'; message: string };

/**
 * Tokens generated in a step: each role's sample count times its mean length (the trainer's
 * `challenger/queryLength` and `solver/answerLength`).
 */
export function tokensOf(metrics: Readonly<Record<string, number | null>>, samples: readonly SampleRow[]): number {
  const count = (role: string) => samples.filter((s) => s.role === role).length;
  const num = (k: string) => {
    const v = metrics[k];
    return typeof v === 'number' && Number.isFinite(v) ? v : 0;
  };
  return Math.round(count('challenger') * num('challenger/queryLength') + count('solver') * num('solver/answerLength'));
}
