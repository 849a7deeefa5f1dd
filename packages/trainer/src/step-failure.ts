/**
 * The error a failed step ends a run with: the cause's first line (which names the URL, the file,
 * the field), then what was kept on disk, so the user knows the run can be resumed.
 */

/**
 * With `save`, a checkpoint of the last completed step (`completed`) is written first, so a dead
 * reward server loses only the step in flight; without, `completed` names the checkpoint already on
 * disk (0: none yet).
 *
 * @example
 * ```ts
 * throw await failedStep(e, 4, () => checkpoint(), 4); // "… (step 5 failed; a checkpoint of step 4 was saved: continue with --resume)"
 * ```
 */
export async function failedStep(e: unknown, step: number, save: (() => Promise<void>) | null, completed: number, failed = `step ${step + 1}`): Promise<Error> {
  const first = String((e as { message?: unknown })?.message ?? e).split('\n')[0];
  let kept: string;
  if (save) {
    try {
      await save();
      kept = `a checkpoint of step ${completed} was saved: continue with --resume`;
    } catch (saveError) {
      kept = `saving a checkpoint of step ${completed} failed too: ${String((saveError as Error)?.message ?? saveError).split('\n')[0]}`;
    }
  } else if (completed > 0) kept = `the last checkpoint, of step ${completed}, is on disk: continue with --resume`;
  else kept = 'no checkpoint was written yet';
  return new Error(`${first} (${failed} failed; ${kept})`, { cause: e });
}

/**
 * Runs a step's policy update; when it throws (a backward pass, an optimizer update), ends the run
 * as {@link failedStep} does. The last completed step is saved only while no update of this step
 * was applied (`optimizerSteps` unchanged): after one, the weights are neither that step's nor the
 * next one's, and `saved` names the checkpoint already on disk.
 *
 * @example
 * ```ts
 * const updates = await failedUpdate(() => updatePolicy(ctx, opt, rollouts, plan), () => opt.steps, 4, () => checkpoint(), 4, 2);
 * ```
 */
export async function failedUpdate<T>(update: () => Promise<T>, optimizerSteps: () => number, step: number, save: (() => Promise<void>) | null, completed: number, saved: number): Promise<T> {
  const before = optimizerSteps();
  try {
    return await update();
  } catch (e) {
    const untouched = optimizerSteps() === before;
    throw await failedStep(e, step, untouched ? save : null, untouched ? completed : saved);
  }
}

/**
 * Runs the evaluation due after step `step`; when it throws, ends the run as {@link failedStep}
 * does, after `keep` has logged the step (already applied) and checkpointed it: only the
 * evaluation is lost.
 *
 * @example
 * ```ts
 * const accuracy = await failedEval(() => evaluate(), 5, () => logAndCheckpoint()); // "… (the evaluation after step 5 failed; a checkpoint of step 5 was saved: …)"
 * ```
 */
export async function failedEval<T>(evaluate: () => Promise<T>, step: number, keep: () => Promise<void>): Promise<T> {
  try {
    return await evaluate();
  } catch (e) {
    throw await failedStep(e, step - 1, keep, step, `the evaluation after step ${step}`);
  }
}

/**
 * The error of a checkpoint write that failed (a full disk): the cause, which names the file,
 * then the checkpoint still on disk.
 *
 * @example
 * ```ts
 * throw checkpointFailed(e, 6, 4); // "…: ENOSPC … (the checkpoint of step 6 could not be written; the last checkpoint, of step 4, is on disk: …)"
 * ```
 */
export function checkpointFailed(e: unknown, step: number, saved: number): Error {
  const first = String((e as { message?: unknown })?.message ?? e).split('\n')[0];
  const kept = saved > 0 ? `the last checkpoint, of step ${saved}, is on disk: free space, then continue with --resume` : 'no checkpoint is on disk yet: free space, then continue with --resume (it starts over)';
  return new Error(`${first} (the checkpoint of step ${step} could not be written; ${kept})`, { cause: e });
}
