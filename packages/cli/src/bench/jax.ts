/**
 * The @jax-js/jax peer: `tools/jax_ref.mjs` of the repository (the same Llama training step as
 * torch_ref.py, in jax-js on its wasm device), run in its own Node process on the stories260K
 * training shape. jax-js is a development dependency of the repository, not of @agon/cli: an
 * installed CLI without it prints why the column is empty.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { STORIES_260K } from '@agon/models';
import type { BenchRow } from './plan.js';
import { benchEnv, runPeerJson } from './torch.js';

/** The peer script, `tools/jax_ref.mjs` in the repository. */
export const DEFAULT_JAX_REF: string = fileURLToPath(new URL('../../../../tools/jax_ref.mjs', import.meta.url));

/**
 * The peer script, or why there is none (printed in place of the jax-js column).
 *
 * @example
 * ```ts
 * const peer = findJaxPeer();
 * if (typeof peer === 'string') console.log(`no jax-js column: ${peer}`);
 * ```
 */
export function findJaxPeer(script: string = DEFAULT_JAX_REF): { script: string } | string {
  if (!existsSync(script)) return `${script} not found (the jax-js peer is tools/jax_ref.mjs of the repository)`;
  try {
    createRequire(script).resolve('@jax-js/jax');
  } catch {
    return `@jax-js/jax is not installed beside ${script} (npm ci in the repository installs it)`;
  }
  return { script };
}

/**
 * The peer's arguments for a row, or undefined where it has no counterpart: it runs the training
 * step of the real stories260K checkpoint only (the shape the comparison is made on), beside wasm.
 *
 * @example
 * ```ts
 * jaxArgs({ model: 'stories260K', backend: 'wasm', kind: 'train', label: 'train 8×256', train: { batch: 8, seq: 256, steps: 5, warmup: 2 } });
 * // ['--checkpoint', '…/stories260K.bin', '--batch', '8', '--seq', '256', '--steps', '5', '--warmup', '2']
 * ```
 */
export function jaxArgs(row: BenchRow): string[] | undefined {
  if (row.model !== 'stories260K' || row.backend !== 'wasm' || !row.train || row.train.lora || row.train.recompute) return undefined;
  const t = row.train;
  return ['--checkpoint', STORIES_260K, '--batch', String(t.batch), '--seq', String(t.seq), '--steps', String(t.steps), '--warmup', String(t.warmup)];
}

/**
 * Runs jax_ref.mjs with `args` and returns its JSON line (tokens_per_s, peak_rss_mb, jax…).
 *
 * @example
 * ```ts
 * const r = await runJaxRef({ script }, ['--checkpoint', file, '--batch', '8', '--seq', '256']);
 * r.tokens_per_s;
 * ```
 */
export function runJaxRef(peer: { script: string }, args: string[], timeoutMs = 600_000): Promise<Record<string, unknown>> {
  return runPeerJson(process.execPath, [peer.script, ...args], benchEnv(process.env, false), timeoutMs);
}
