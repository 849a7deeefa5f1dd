// The Python side of the interop tests: the venv .ci/run makes (torch 2.13, transformers, peft, trl)
// and tools/hf_check.py. Under CI=true a missing venv fails the test; elsewhere the test prints why it
// skips.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM } from '@agon/core';

/** The venv's python (override with AGON_HF_PYTHON). */
export const PYTHON = process.env['AGON_HF_PYTHON'] ?? '/opt/torch2/bin/python';
/** tools/ of this repository. */
export const TOOLS = fileURLToPath(new URL('../', import.meta.url));

let checked: string | undefined | null = null;

/**
 * The python with the reference libraries, or undefined after printing why the `what` checks skip.
 * Throws under CI=true, where a skipped check is a failure.
 */
export function referencePython(what: string): string | undefined {
  if (checked !== null) return checked;
  const imports = 'import torch, transformers, peft, trl, safetensors, tokenizers';
  const r = existsSync(PYTHON) ? spawnSync(PYTHON, ['-c', imports], { encoding: 'utf8', timeout: 180_000 }) : undefined;
  if (r?.status === 0) return (checked = PYTHON);
  const why = r ? `${PYTHON} cannot run '${imports}' (${(r.stderr || String(r.error)).trim().split('\n').pop()})` : `${PYTHON} not found`;
  if (process.env['CI'] === 'true') throw new Error(`${what}: ${why}; .ci/run creates this venv`);
  console.log(`skipping ${what}: ${why} (create the venv as .ci/run does)`);
  return (checked = undefined);
}

/** Runs tools/hf_check.py on one request or a list of them (see its header) and returns its JSON answer. */
export function hfCheck<T>(python: string, request: unknown): T {
  const r = spawnSync(python, [`${TOOLS}hf_check.py`], { input: JSON.stringify(request), encoding: 'utf8', timeout: 300_000, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`tools/hf_check.py failed (${r.status ?? r.error}): ${r.stderr.trim().split('\n').slice(-5).join('\n')}`);
  return JSON.parse(r.stdout) as T;
}

/** log p(ids[t+1] | ids[..t]) per row, from agon's forward pass. */
export async function agonLogprobs(model: CausalLM, ids: number[][]): Promise<number[][]> {
  const x = tf.tensor2d(ids, undefined, 'int32');
  const { logits } = model.forward(x);
  const lp = tf.tidy(() => tf.logSoftmax(logits));
  const v = logits.shape[2] ?? 0;
  const flat = await lp.data();
  tf.dispose([x, logits, lp]);
  const T = ids[0].length;
  return ids.map((row, b) => row.slice(1).map((next, t) => flat[(b * T + t) * v + next]));
}

/** Largest |a − b| over two equal-shaped tables. */
export function maxAbsDiff(a: number[][], b: number[][]): number {
  if (a.length !== b.length) throw new Error(`rows ${a.length} ≠ ${b.length}`);
  let worst = 0;
  a.forEach((row, i) => {
    if (row.length !== b[i].length) throw new Error(`row ${i}: ${row.length} ≠ ${b[i].length}`);
    row.forEach((x, j) => (worst = Math.max(worst, Number.isNaN(x - b[i][j]) ? Infinity : Math.abs(x - b[i][j]))));
  });
  return worst;
}
