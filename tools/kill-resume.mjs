#!/usr/bin/env node
// kill -9 during `agon train`, then `agon train --resume`: every resumed run must end with exactly
// the files of an uninterrupted run (metrics and samples logs, the exported model, the summary),
// the wall-clock and memory fields aside. Not a CI test (minutes of CPU); the figures are in
// docs/reliability.md.
//
//   npx nx run @agon/cli:build && node tools/kill-resume.mjs [--trials 10] [--seed 1] [--phases] [--keep]
//
// The recipe is the default one made small (6 steps, 4 queries × 4 answers, no evaluation).
// Random trials (`--trials`): SIGKILL at seeded random moments, with `checkpointEvery` 100 and
// `checkpointSeconds` 1, so the kills land before any step-count checkpoint: what survives is the
// time-based checkpoint and the folder's own state.
// Aimed trials (`--phases`): the checkpoint writer's test hook (AGON_TEST_KILL_AT=PHASE@N, given to
// the killed run only) makes the process SIGKILL itself at each phase of a checkpoint write, in
// four kinds of write: the first time-based one, a step-count one that prunes the one before, the
// one a Ctrl-C (SIGINT after step 2) asks for, and the final one before the model export.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'packages/cli/dist/bin.js');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const trials = arg('trials', process.argv.includes('--phases') ? 0 : 10);
const phases = process.argv.includes('--phases');
const keep = process.argv.includes('--keep');

/** The phases of a checkpoint write, in order (the hook's names, packages/trainer/src/checkpoint.ts). */
const PHASES = ['begin', 'weights', 'optimizer', 'state', 'renamed', 'pruned'];
/** Kinds of checkpoint write: recipe fields that make the Nth write of the run that kind. */
const WRITES = [
  { name: 'time-based', recipe: { checkpointEvery: 100, checkpointSeconds: 1 }, n: 1 },
  { name: 'step-count, pruning', recipe: { checkpointEvery: 2, checkpointSeconds: 0, keepCheckpoints: 1 }, n: 2 },
  { name: 'Ctrl-C', recipe: { checkpointEvery: 100, checkpointSeconds: 0 }, n: 1, sigintAfterStep: 2 },
  { name: 'final', recipe: { checkpointEvery: 100, checkpointSeconds: 0 }, n: 1 },
];

/** mulberry32, so a seed gives the same kill moments. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(arg('seed', 1));

/**
 * Runs `agon …`. `kill.afterMs` sends SIGKILL then; `kill.env` is added to the environment;
 * `kill.sigintAfterStep` sends SIGINT once stderr reports that step. Resolves with the exit code or signal.
 */
function agon(args, kill = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...kill.env } });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
      if (kill.sigintAfterStep && stderr.includes(`step ${kill.sigintAfterStep}/`)) {
        kill.sigintAfterStep = undefined;
        child.kill('SIGINT');
      }
    });
    const timer = kill.afterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), kill.afterMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

/** The files that define a run's result, with the wall-clock fields removed. */
function fingerprint(dir) {
  const strip = (line) => {
    const j = JSON.parse(line);
    delete j.seconds;
    for (const k of Object.keys(j)) if (k.startsWith('memory/')) delete j[k];
    return JSON.stringify(j);
  };
  const lines = (f) => readFileSync(join(dir, f), 'utf8').trim().split('\n');
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  delete summary.seconds;
  return {
    metrics: lines('metrics.jsonl').map(strip).join('\n'),
    samples: lines('samples.jsonl').join('\n'),
    model: readFileSync(join(dir, 'model', 'model.safetensors')).toString('base64'),
    summary: JSON.stringify(summary),
  };
}

/** Where the resumed run started, from its first stderr lines. */
function resumedFrom(stderr) {
  const m = /resumed .* at step (\d+)|(no checkpoint yet)/.exec(stderr);
  return m ? (m[1] ? `from step ${m[1]}` : 'from step 0') : 'from ?';
}

/**
 * One killed-then-resumed run into `dir`; compares it with `want`. Returns [identical?, note].
 * The kill is `kill` (see agon()); a run the kill missed (it finished) counts as a failure when `aimed`.
 */
async function trial(file, dir, kill, want, aimed) {
  const killed = await agon(['train', '--config', file, '--out', dir], kill);
  if (killed.code === 0 && aimed) return [false, 'the aimed phase was never reached (the run finished)'];
  if (aimed && killed.signal !== 'SIGKILL') return [false, `the run ended with ${killed.signal ?? `exit ${killed.code}`}, not SIGKILL: ${killed.stderr.trim().split('\n').pop()}`];
  const finishedFirst = killed.code === 0;
  let resumed = finishedFirst ? killed : await agon(['train', '--resume', dir]);
  let note = finishedFirst ? 'run had finished' : `resumed ${resumedFrom(resumed.stderr)}`;
  // Killed before the run wrote its config.json: nothing to resume, the command is run again.
  if (!finishedFirst && resumed.code !== 0 && /config\.json: cannot resume: no such file/.test(resumed.stderr)) {
    resumed = await agon(['train', '--config', file, '--out', dir]);
    note = 'before config.json: run again';
  }
  if (resumed.code !== 0) return [false, `${note}; resume failed: ${resumed.stderr.trim().split('\n').pop()}`];
  const got = fingerprint(dir);
  const diff = Object.keys(want).filter((k) => got[k] !== want[k]);
  return diff.length ? [false, `${note}; DIFFERS in ${diff.join(', ')}`] : [true, `${note}; identical`];
}

async function main() {
  if (!existsSync(bin)) {
    console.error(`kill-resume: ${bin} is missing; run 'npx nx run @agon/cli:build' first`);
    process.exit(1);
  }
  const work = mkdtempSync(join(tmpdir(), 'agon-kill-'));
  try {
    const base = JSON.parse(readFileSync(join(root, 'packages/trainer/recipes/default.json'), 'utf8'));
    Object.assign(base, { steps: 6, queriesPerStep: 4, answersPerQuery: 4, eval: null });
    const recipe = (fields, name) => {
      const file = join(work, `recipe-${name}.json`);
      writeFileSync(file, JSON.stringify({ ...base, ...fields }));
      return file;
    };
    const file = recipe({ checkpointEvery: 100, checkpointSeconds: 1 }, 'random');

    const t0 = Date.now();
    const ref = join(work, 'reference');
    const r = await agon(['train', '--config', file, '--out', ref]);
    if (r.code !== 0) throw new Error(`the uninterrupted run failed:\n${r.stderr}`);
    const runMs = Date.now() - t0;
    const want = fingerprint(ref);
    console.log(`kill-resume: uninterrupted run ${(runMs / 1000).toFixed(1)} s; ${trials} random trials${phases ? `, ${WRITES.length * PHASES.length} aimed` : ''}`);

    let same = 0;
    let total = 0;
    for (let i = 0; i < trials; i++) {
      const at = Math.round(500 + rand() * (runMs - 500));
      const [ok, note] = await trial(file, join(work, `trial-${i}`), { afterMs: at }, want, false);
      same += ok ? 1 : 0;
      total += 1;
      console.log(`  kill at ${(at / 1000).toFixed(2)} s: ${note}`);
    }
    if (phases) {
      // The checkpoint settings change when checkpoints are written, never what is trained: one reference serves all.
      for (const w of WRITES) {
        const wfile = recipe(w.recipe, w.name.replace(/\W+/g, '-'));
        for (const phase of PHASES) {
          const kill = { env: { AGON_TEST_KILL_AT: `${phase}@${w.n}` }, ...(w.sigintAfterStep ? { sigintAfterStep: w.sigintAfterStep } : {}) };
          const [ok, note] = await trial(wfile, join(work, `aimed-${total}`), kill, want, true);
          same += ok ? 1 : 0;
          total += 1;
          console.log(`  kill in the ${w.name} checkpoint write at ${phase}: ${note}`);
        }
      }
    }
    console.log(`kill-resume: ${same}/${total} resumed runs identical to the uninterrupted one`);
    if (same !== total) process.exitCode = 1;
  } finally {
    if (keep) console.log(`kill-resume: kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

await main();
