/**
 * Checkpoints: `checkpoints/step-000010/` holds the policy's variables (weights.safetensors, F32 so
 * resume is bit-exact, keyed by position in `trainableVariables()` plus the name without the
 * per-instance prefix tfjs names need, e.g. `0003:model.layers.0.self_attn.q_proj.weight`), the AdamW moments (optimizer.safetensors) and
 * state.json (step, optimizer t, seed, counters). A checkpoint is written into a temp folder and
 * renamed into place, so a crash never leaves a half-written `step-*` folder.
 */
import * as tf from '@tensorflow/tfjs-core';
import { encodeHostTensors, parseSafetensors, serializeSafetensors, toFloat32, type HostTensor, type SafetensorsFile } from '@agon/models';
import type { AdamW, AdamWState } from './adamw.js';
import { readText, where, type RunIO } from './io/run-io.js';

/**
 * The non-tensor part of a checkpoint.
 *
 * @example
 * ```ts
 * const s: CheckpointState = { step: 10, optimizerSteps: 10, seed: 0, skippedSteps: 0, elapsedSeconds: 42 };
 * ```
 */
export interface CheckpointState {
  /** Optimizer steps completed (the next step to run has this index). */
  step: number;
  /** AdamW's t (updates actually applied; skipped steps do not count). */
  optimizerSteps: number;
  /** The run's seed; every sampling stream derives from (seed, iteration), so this plus `step` is the RNG state. */
  seed: number;
  /** Steps skipped by the non-finite guard so far. */
  skippedSteps: number;
  /** Training seconds so far (for the summary of a resumed run). */
  elapsedSeconds: number;
  /** Held-out accuracy before training, when it was measured. */
  evalBefore?: number;
  /** Diagnostic warnings raised so far (kind, message), so a resumed run keeps and does not repeat them. */
  warnings?: [string, string][];
}

const NAME = /^step-(\d{6,})$/;

/**
 * Folder name (under `checkpoints/`) of the checkpoint after `step` steps.
 *
 * @example
 * ```ts
 * checkpointName(10); // 'step-000010'
 * ```
 */
export const checkpointName = (step: number): string => `step-${String(step).padStart(6, '0')}`;

/**
 * The checkpoint key of variable `i`: its position and its name without a leading `<instance>/`
 * prefix (two loads of the same model get different variable names, `m1/…` and `m2/…`).
 */
function key(vars: readonly tf.Variable[], i: number): string {
  return `${String(i).padStart(4, '0')}:${vars[i].name.replace(/^[^/]*\//, '')}`;
}

async function hostVars(vars: readonly tf.Variable[]): Promise<Map<string, HostTensor>> {
  const m = new Map<string, HostTensor>();
  for (let i = 0; i < vars.length; i++) m.set(key(vars, i), { shape: [...vars[i].shape], data: (await vars[i].data()) as Float32Array });
  return m;
}

const toMap = (vars: readonly tf.Variable[], rec: AdamWState['m']) => new Map(vars.map((v, i) => [key(vars, i), rec[v.name]]));

/** Reads and parses a safetensors file of the run folder, naming it in errors. */
async function readTensors(io: RunIO, path: string): Promise<SafetensorsFile> {
  const bytes = await io.read(path);
  if (bytes === null) throw new Error(`${where(io, path)}: missing (the checkpoint is incomplete)`);
  return parseSafetensors(bytes, where(io, path));
}

/**
 * The moments of a checkpoint write, in order, that the kill -9 tests aim at: before anything
 * (`begin`), after each file of the temp folder (`weights`, `optimizer`, `state`), after the rename
 * into place (`renamed`) and after older checkpoints are deleted (`pruned`).
 */
type CheckpointPhase = 'begin' | 'weights' | 'optimizer' | 'state' | 'renamed' | 'pruned';

let writesInProcess = 0;

/**
 * Test hook, for tools/kill-resume.mjs only: with `AGON_TEST_KILL_AT=PHASE@N` in the environment
 * (N defaults to 1), the process kills itself with SIGKILL when its Nth checkpoint write reaches
 * PHASE (a {@link CheckpointPhase}), as a `kill -9` landing at that moment would. Inert
 * without the variable and where there is no process (a browser).
 */
function testKillPoint(phase: CheckpointPhase, write: number): void {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined>; pid?: number; kill?: (pid: number, signal: string) => void } }).process;
  const aim = proc?.env?.AGON_TEST_KILL_AT;
  if (!aim || !proc?.kill || proc.pid === undefined) return;
  const [want, n = '1'] = aim.split('@');
  if (want === phase && Number(n) === write) proc.kill(proc.pid, 'SIGKILL');
}

/**
 * Writes a checkpoint under `checkpoints/` of the run folder and deletes all but the newest `keep`.
 *
 * @example
 * ```ts
 * await saveCheckpoint(nodeRunIO(runDir), model.trainableVariables(), optimizer, state, 2);
 * ```
 */
export async function saveCheckpoint(io: RunIO, vars: readonly tf.Variable[], optimizer: AdamW, state: CheckpointState, keep: number): Promise<string> {
  const write = ++writesInProcess;
  testKillPoint('begin', write);
  const final = `checkpoints/${checkpointName(state.step)}`;
  const tmp = `${final}.tmp`;
  await io.remove(tmp);
  const opt = await optimizer.exportState();
  await io.writeAtomic(`${tmp}/weights.safetensors`, await encodeWeights(vars, 'agon-checkpoint'));
  testKillPoint('weights', write);
  await io.writeAtomic(
    `${tmp}/optimizer.safetensors`,
    serializeSafetensors({
      tensors: [...encodeHostTensors(toMap(vars, opt.m)).map((t) => ({ ...t, name: `m/${t.name}` })), ...encodeHostTensors(toMap(vars, opt.v)).map((t) => ({ ...t, name: `v/${t.name}` }))],
      metadata: { t: String(opt.t) },
    }),
  );
  testKillPoint('optimizer', write);
  await io.writeAtomic(`${tmp}/state.json`, `${JSON.stringify(state, null, 2)}\n`);
  testKillPoint('state', write);
  await io.rename(tmp, final);
  testKillPoint('renamed', write);
  const all = await listCheckpoints(io);
  for (const old of all.slice(0, Math.max(0, all.length - keep))) await io.remove(`checkpoints/${checkpointName(old)}`);
  testKillPoint('pruned', write);
  return where(io, final);
}

/**
 * Removes what writes killed half-way leave: `checkpoints/step-NNNNNN.tmp` folders (also the
 * older `.tmp-PID` form) and atomic-write temp files (`name.PID.xxxxxxxx.tmp`) in the run folder.
 * One run writes a folder at a time, so none of them is in use when a run starts.
 *
 * @example
 * ```ts
 * await removeOrphanCheckpoints(nodeRunIO('runs/a'));
 * ```
 */
export async function removeOrphanCheckpoints(io: RunIO): Promise<void> {
  for (const n of await io.list('checkpoints')) if (/^step-\d{6,}\.tmp(-\d+)?$/.test(n)) await io.remove(`checkpoints/${n}`);
  for (const n of await io.list('')) if (/\.\d+\.[0-9a-f]{8}\.tmp$/.test(n)) await io.remove(n);
}

/**
 * Steps of the complete checkpoints under `checkpoints/` of the run folder, oldest first.
 *
 * @example
 * ```ts
 * const steps = await listCheckpoints(nodeRunIO('runs/a')); // e.g. [10, 20]
 * ```
 */
export async function listCheckpoints(io: RunIO): Promise<number[]> {
  return (await io.list('checkpoints'))
    .map((n) => NAME.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/**
 * Restores the newest checkpoint of the run folder into `vars` and `optimizer`; returns its state.
 *
 * @example
 * ```ts
 * const state = await loadCheckpoint(nodeRunIO('runs/a'), model.trainableVariables(), optimizer);
 * ```
 */
export async function loadCheckpoint(io: RunIO, vars: readonly tf.Variable[], optimizer: AdamW): Promise<CheckpointState> {
  const steps = await listCheckpoints(io);
  if (!steps.length) throw new Error(`${io.location}: no checkpoint to resume from (expected ${where(io, 'checkpoints/step-NNNNNN')}/)`);
  const folder = `checkpoints/${checkpointName(steps[steps.length - 1])}`;
  const stateText = await readText(io, `${folder}/state.json`);
  if (stateText === null) throw new Error(`${where(io, `${folder}/state.json`)}: missing (the checkpoint is incomplete)`);
  const state = JSON.parse(stateText) as CheckpointState;
  if (!Number.isInteger(state.step) || !Number.isInteger(state.optimizerSteps)) throw new Error(`${where(io, `${folder}/state.json`)}: fields step and optimizerSteps must be integers`);
  assignWeights(vars, await readTensors(io, `${folder}/weights.safetensors`), 'the checkpoint');
  const opt = await readTensors(io, `${folder}/optimizer.safetensors`);
  const m: AdamWState['m'] = {};
  const vv: AdamWState['v'] = {};
  const names = new Map(vars.map((v, i) => [key(vars, i), v.name]));
  for (const t of opt.tensors) {
    const [which, ...rest] = t.name.split('/');
    const name = names.get(rest.join('/'));
    if (!name) throw new Error(`${opt.file}: tensor ${t.name} matches no variable of the model`);
    const count = t.shape.reduce((a, b) => a * b, 1);
    (which === 'm' ? m : vv)[name] = { shape: t.shape, data: toFloat32(t.bytes, t.dtype, count) };
  }
  optimizer.importState({ t: state.optimizerSteps, m, v: vv }, opt.file);
  return state;
}

/**
 * The values of `vars` as a safetensors file (F32, keyed by position and name as in checkpoints):
 * what a checkpoint's weights.safetensors holds, and what a policy version ships.
 *
 * @example
 * ```ts
 * const bytes = await encodeWeights(model.trainableVariables(), 'agon-policy');
 * ```
 */
export async function encodeWeights(vars: readonly tf.Variable[], format: string): Promise<Uint8Array> {
  return serializeSafetensors({ tensors: encodeHostTensors(await hostVars(vars)), metadata: { format } });
}

/**
 * Assigns a weights file of {@link encodeWeights} (parsed) to `vars`; `what` names its origin in
 * errors (e.g. "the checkpoint"). The values are assigned bit for bit.
 *
 * @example
 * ```ts
 * assignWeights(model.trainableVariables(), parseSafetensors(bytes, 'policy v3'), 'policy version 3');
 * ```
 */
export function assignWeights(vars: readonly tf.Variable[], weights: SafetensorsFile, what: string): void {
  const byName = new Map(weights.tensors.map((t) => [t.name, t]));
  if (weights.tensors.length !== vars.length) throw new Error(`${weights.file}: ${weights.tensors.length} tensors; the model has ${vars.length} trainable variables (${what} belongs to another model)`);
  for (let i = 0; i < vars.length; i++) {
    const v = vars[i];
    const t = byName.get(key(vars, i));
    if (!t) throw new Error(`${weights.file}: no tensor ${key(vars, i)}; ${what} belongs to another model`);
    if (t.shape.join(',') !== v.shape.join(',')) throw new Error(`${weights.file}: tensor ${v.name} has shape [${t.shape}]; the model expects [${v.shape}]`);
    tf.tidy(() => v.assign(tf.tensor(toFloat32(t.bytes, t.dtype, v.size), v.shape, 'float32')));
  }
}
