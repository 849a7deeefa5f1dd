#!/usr/bin/env node
// kill -9 at random moments of `agon train`, then `agon train --resume`: every resumed run must end
// with exactly the files of an uninterrupted run (metrics and samples logs, the exported model,
// the summary), the wall-clock fields aside. Not a CI test (minutes of CPU); the figures are in
// docs/reliability.md.
//
//   npx nx run @agon/cli:build && node tools/kill-resume.mjs [--trials 10] [--seed 1] [--keep]
//
// The recipe is the default one made small (6 steps, 4 queries × 4 answers, no evaluation) with
// `checkpointEvery` 100 and `checkpointSeconds` 1, so the kills land before any step-count
// checkpoint: what survives is the time-based checkpoint and the folder's own state.
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
const trials = arg('trials', 10);
const keep = process.argv.includes('--keep');

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

/** Runs `agon …`; `killAfterMs` sends SIGKILL then. Resolves with the exit code or signal. */
function agon(args, killAfterMs) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
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

async function main() {
  if (!existsSync(bin)) {
    console.error(`kill-resume: ${bin} is missing; run 'npx nx run @agon/cli:build' first`);
    process.exit(1);
  }
  const work = mkdtempSync(join(tmpdir(), 'agon-kill-'));
  try {
    const recipe = JSON.parse(readFileSync(join(root, 'packages/trainer/recipes/default.json'), 'utf8'));
    Object.assign(recipe, { steps: 6, queriesPerStep: 4, answersPerQuery: 4, eval: null, checkpointEvery: 100, checkpointSeconds: 1 });
    const file = join(work, 'recipe.json');
    writeFileSync(file, JSON.stringify(recipe));

    const t0 = Date.now();
    const ref = join(work, 'reference');
    const r = await agon(['train', '--config', file, '--out', ref]);
    if (r.code !== 0) throw new Error(`the uninterrupted run failed:\n${r.stderr}`);
    const runMs = Date.now() - t0;
    const want = fingerprint(ref);
    console.log(`kill-resume: uninterrupted run ${(runMs / 1000).toFixed(1)} s; ${trials} trials`);

    let same = 0;
    for (let i = 0; i < trials; i++) {
      const dir = join(work, `trial-${i}`);
      const at = Math.round(500 + rand() * (runMs - 500));
      const killed = await agon(['train', '--config', file, '--out', dir], at);
      const finishedFirst = killed.code === 0;
      let resumed = finishedFirst ? killed : await agon(['train', '--resume', dir]);
      // Killed before the run wrote its config.json: nothing to resume, the command is run again.
      const restarted = !finishedFirst && resumed.code !== 0 && /config\.json: cannot resume: no such file/.test(resumed.stderr);
      if (restarted) resumed = await agon(['train', '--config', file, '--out', dir]);
      let verdict;
      if (resumed.code !== 0) verdict = `resume failed: ${resumed.stderr.trim().split('\n').pop()}`;
      else {
        const got = fingerprint(dir);
        const diff = Object.keys(want).filter((k) => got[k] !== want[k]);
        verdict = diff.length ? `DIFFERS in ${diff.join(', ')}` : 'identical';
        if (!diff.length) same++;
      }
      console.log(`  kill at ${(at / 1000).toFixed(2)} s${finishedFirst ? ' (run had finished)' : restarted ? ' (before config.json: run again)' : ''}: ${verdict}`);
    }
    console.log(`kill-resume: ${same}/${trials} resumed runs identical to the uninterrupted one`);
    if (same !== trials) process.exitCode = 1;
  } finally {
    if (keep) console.log(`kill-resume: kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

await main();
